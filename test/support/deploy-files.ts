/**
 * deploy/ read as Docker, Compose and Kubernetes read it (no Docker engine runs here): the
 * Dockerfile through dockerfile-ast (the parser of VS Code's Docker language server), the YAML
 * files through `yaml`. Shared by test/unit/deploy (structure) and test/integration/deploy
 * (the seed and walcast's server checks on the real PostgreSQL).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DockerfileParser, type Instruction, ModifiableInstruction } from 'dockerfile-ast';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = resolve(__dirname, '../..');
export const DEPLOY = join(ROOT, 'deploy');

// ---------------------------------------------------------------------------------- Dockerfile

export interface DockerInstruction {
  readonly keyword: string;
  /** Arguments after the flags, as written (line continuations joined). */
  readonly args: string;
  /** `--name=value` flags (COPY --from, HEALTHCHECK --interval...). */
  readonly flags: Readonly<Record<string, string | null>>;
  /** Exec form (`["a", "b"]`) parsed; null for shell form. */
  readonly exec: readonly string[] | null;
}

export interface DockerStage {
  readonly image: string;
  readonly name: string | null;
  readonly instructions: readonly DockerInstruction[];
}

export function dockerfileStages(file = join(DEPLOY, 'Dockerfile')): DockerStage[] {
  const stages: { image: string; name: string | null; instructions: DockerInstruction[] }[] = [];
  for (const ins of DockerfileParser.parse(readFileSync(file, 'utf8')).getInstructions()) {
    const keyword = ins.getKeyword();
    const args = ins.getArgumentsContent() ?? '';
    if (keyword === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name ?? null : null, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${file}: ${keyword} before the first FROM`);
    stage.instructions.push({ keyword, args, flags: flagsOf(ins), exec: execForm(keyword, args) });
  }
  return stages;
}

function flagsOf(ins: Instruction): Record<string, string | null> {
  if (!(ins instanceof ModifiableInstruction)) return {};
  return Object.fromEntries(ins.getFlags().map((f) => [f.getName(), f.getValue()]));
}

/** `CMD ["a","b"]`, `HEALTHCHECK CMD ["a"]`, `VOLUME ["/x"]`: the JSON array; else null. */
function execForm(keyword: string, args: string): string[] | null {
  const body = keyword === 'HEALTHCHECK' ? args.replace(/^CMD\s+/, '') : args;
  if (!body.startsWith('[')) return null;
  const parsed: unknown = JSON.parse(body);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`${keyword}: not a JSON string array`);
  return parsed;
}

export function dockerignorePatterns(): string[] {
  return readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

// ----------------------------------------------------------------------------- docker compose

export interface ComposeHealthcheck {
  test: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  hostname?: string;
  restart?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: ComposeHealthcheck;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * deploy/docker-compose.yml with `${VAR}` / `${VAR:-default}` interpolated from `env` (as
 * `docker compose` does from the shell; default: nothing set, so defaults apply).
 */
export function composeFile(env: Readonly<Record<string, string>> = {}): ComposeFile {
  const raw: unknown = parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'));
  return interpolate(raw, env) as ComposeFile;
}

function interpolate(v: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof v === 'string') {
    return v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, def?: string) => {
      const set = env[name];
      return set !== undefined && set !== '' ? set : def ?? '';
    });
  }
  if (Array.isArray(v)) return v.map((x) => interpolate(x, env));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolate(x, env)]));
  }
  return v;
}

/** A short-syntax volume `source:target[:mode]`. */
export interface VolumeMount { source: string; target: string; readOnly: boolean; named: boolean }

export function volumeMounts(service: ComposeService): VolumeMount[] {
  return (service.volumes ?? []).map((spec) => {
    const [source = '', target = '', mode] = spec.split(':');
    return { source, target, readOnly: mode === 'ro', named: !/^[./~]/.test(source) };
  });
}

/** Host path (relative sources resolve against the compose file's folder) mounted at `target`. */
export function hostPathMountedAt(service: ComposeService, target: string): string | null {
  const m = volumeMounts(service).find((v) => v.target === target && !v.named);
  return m ? resolve(DEPLOY, m.source) : null;
}

/** `"H:C"` / `"IP:H:C"` port mappings as numbers. */
export function publishedPorts(service: ComposeService): { host: number; container: number }[] {
  return (service.ports ?? []).map((p) => {
    const parts = p.split('/')[0]!.split(':');
    return { host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
  });
}

/** `NAME://host:port,...` (Kafka listeners) as name -> {host, port}. */
export function kafkaListenerMap(value: string | number | undefined): Map<string, { host: string; port: number }> {
  const out = new Map<string, { host: string; port: number }>();
  for (const item of String(value ?? '').split(',').filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_]+):\/\/([^:]*):(\d+)$/.exec(item.trim());
    if (!m) throw new Error(`not a Kafka listener: ${item}`);
    out.set(m[1]!, { host: m[2]!, port: Number(m[3]) });
  }
  return out;
}

/** The config walcast runs with in compose: the mounted file and the service's WALCAST_* env. */
export function composeWalcastConfig(compose: ComposeFile, configPathInImage: string): { file: string; env: Record<string, string> } {
  const walcast = compose.services.walcast;
  if (!walcast) throw new Error('compose has no walcast service');
  const file = hostPathMountedAt(walcast, configPathInImage);
  if (!file) throw new Error(`compose mounts no config file at ${configPathInImage}`);
  const env = Object.fromEntries(Object.entries(walcast.environment ?? {}).map(([k, v]) => [k, String(v)]));
  return { file, env };
}

// ------------------------------------------------------------------------------------ seed SQL

export function seedSqlFile(compose: ComposeFile): string {
  const pg = compose.services.postgres;
  const mount = pg && volumeMounts(pg).find((v) => v.target.startsWith('/docker-entrypoint-initdb.d/') && v.target.endsWith('.sql'));
  if (!mount) throw new Error('compose mounts no .sql file into the postgres image\'s /docker-entrypoint-initdb.d');
  return resolve(DEPLOY, mount.source);
}

/** `schema.table` of every CREATE TABLE in `sql` (unquoted names folded to lower case, as PostgreSQL does). */
export function tablesCreatedBy(sql: string): string[] {
  const ident = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
  const re = new RegExp(String.raw`CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${ident})(?:\.(${ident}))?`, 'gi');
  const fold = (id: string) => (id.startsWith('"') ? id.slice(1, -1).replace(/""/g, '"') : id.toLowerCase());
  return [...withoutComments(sql).matchAll(re)].map((m) => (m[2] ? `${fold(m[1]!)}.${fold(m[2])}` : `public.${fold(m[1]!)}`));
}

function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

/** Tables named by `insert into X` examples in comments (compose header, seed): each must exist. */
export function tablesInExamples(text: string): string[] {
  return [...text.matchAll(/insert\s+into\s+("?[A-Za-z_][\w.$"]*)/gi)].map((m) => {
    const name = m[1]!.replace(/"/g, '');
    return name.includes('.') ? name : `public.${name}`;
  });
}

// ------------------------------------------------------------------------------------- k8s

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  [key: string]: unknown;
}

export function k8sObjects(file = join(DEPLOY, 'k8s', 'walcast.yaml')): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as K8sObject;
  });
}

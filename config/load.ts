/**
 * Loads the configuration: schema defaults < Debezium Server properties < JSON file <
 * WALCAST_* env < `overrides` (CLI flags, tests). Every problem (unknown keys, wrong types, ranges, cross-field rules) is
 * collected and thrown at once as a ConfigError; the result is typed and deep-frozen.
 */
import { readFileSync } from 'node:fs';
import convict from 'convict';
import { rememberSecret, rememberUrlSecrets } from '../connector/observe/redact';
import { checkConfig } from './checks';
import { ConfigError } from './config-error';
import { readDebeziumProperties } from './debezium-properties';
import { closest } from '../connector/suggest';
import { envVariables, isLeaf, leafExpectation, schema } from './schema';
import type { WalcastConfig } from './types';

export interface LoadConfigOptions {
  /** JSON config file. Optional: everything may come from env. */
  file?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Highest priority, e.g. `{ sink: { type: 'stdout' } }` for `walcast tail`. */
  overrides?: object;
  /** A Debezium Server application.properties, mapped below the JSON file (config/debezium-properties.ts). */
  debeziumProperties?: string;
  /** Told once, e.g. the Debezium properties that have no walcast equivalent. */
  onWarning?: (message: string) => void;
}

type Obj = Record<string, unknown>;

export function loadConfig(opts: LoadConfigOptions = {}): WalcastConfig {
  const env = opts.env ?? process.env;
  const problems: string[] = [];

  const fromFile = opts.file === undefined ? {} : readJson(opts.file, problems);
  // A file that cannot be read or parsed is the one problem: every "missing" key after it
  // would only be its consequence.
  if (problems.length > 0) throw new ConfigError(problems, opts.file);
  const debezium = opts.debeziumProperties === undefined ? undefined : readDebeziumProperties(opts.debeziumProperties, env);
  const sources = [opts.debeziumProperties, opts.file].filter((f) => f !== undefined).join(', ') || undefined;
  if (debezium !== undefined) {
    problems.push(...debezium.problems);
    if (debezium.ignored.length > 0) {
      opts.onWarning?.(`${opts.debeziumProperties}: ignoring ${debezium.ignored.length} Debezium propert${debezium.ignored.length === 1 ? 'y' : 'ies'} walcast has no equivalent for: ${debezium.ignored.join(', ')}`);
    }
  }
  problems.push(...dropMisshapenGroups(fromFile, schema, ''));
  const overrides = { ...(opts.overrides ?? {}) } as Obj;
  problems.push(...dropMisshapenGroups(overrides, schema, ''));
  /** Paths already reported as misshapen: a later check of the dropped value would only repeat it. */
  const misshapen = problems.map((p) => p.slice(0, p.indexOf(': ') + 2));

  // `args: []`: convict would otherwise also read process.argv.
  const conv = convict<Obj>(schema as unknown as convict.Schema<Obj>, { env, args: [] });
  if (debezium !== undefined) conv.load(debezium.config);
  conv.load(fromFile); // re-applies env on top of the file (and of the Debezium properties)
  for (const [path, value] of leaves(overrides, '')) conv.set(path, value);

  try {
    conv.validate({ allowed: 'strict' });
  } catch (e) {
    problems.push(...convictProblems(e instanceof Error ? e.message : String(e), env));
  }
  problems.push(...misspelledEnv(env));

  const props = conv.getProperties();
  rememberSecrets(props, env);
  const derived = deriveDefaults(props);
  const checked = checkConfig(props, env);
  // A bad name already has its problem; values derived from it would only repeat it.
  const nameBad = checked.some((p) => p.startsWith('name: '));
  problems.push(...checked.filter((p) => !(nameBad && derived.some((d) => p.startsWith(`${d}: `))) && !misshapen.some((m) => p.startsWith(m))));

  if (problems.length > 0) throw new ConfigError(problems, sources);
  return deepFreeze(props as unknown as WalcastConfig);
}

/**
 * Registers the values of `sensitive` keys, the password in source.url and PGPASSWORD (which
 * pg reads from process.env) with the redactor, so no log line or error ever shows them.
 */
function rememberSecrets(c: Obj, env: NodeJS.ProcessEnv): void {
  const url = (c.source as Obj | undefined)?.url;
  const walk = (node: Obj, values: Obj): void => {
    for (const [k, s] of Object.entries(node)) {
      const v = values[k];
      // The URL itself stays printable; only its password is a secret.
      if (isLeaf(s)) { if (s.sensitive && typeof v === 'string' && v !== url) rememberSecret(v); }
      else if (isObj(v)) walk(s as Obj, v);
    }
  };
  walk(schema, c);
  if (typeof url === 'string') rememberUrlSecrets(url);
  const registryUrl = (((c.sink as Obj | undefined)?.kafka as Obj | undefined)?.schemaRegistry as Obj | undefined)?.url;
  if (typeof registryUrl === 'string') rememberUrlSecrets(registryUrl);
  rememberSecret(env.PGPASSWORD);
  rememberSecret(process.env.PGPASSWORD);
}

/**
 * Empty slot, publication, topicPrefix, nats stream and kafka clientId derive from `name`.
 * Slot and publication lower-case it and map anything outside [a-z0-9_] to `_` so that any
 * valid name gives valid PostgreSQL names.
 */
function deriveDefaults(c: Obj): string[] {
  const name = typeof c.name === 'string' ? c.name : '';
  const pgName = ('walcast_' + name.toLowerCase().replace(/[^a-z0-9_]/g, '_')).slice(0, 63);
  const source = c.source as Obj;
  const sink = c.sink as Obj;
  const derived: string[] = [];
  const setIfEmpty = (o: Obj, k: string, path: string, v: string) => {
    if (o[k] === '') { o[k] = v; derived.push(path); }
  };
  setIfEmpty(source, 'slot', 'source.slot', pgName);
  setIfEmpty(source, 'publication', 'source.publication', pgName);
  setIfEmpty(c, 'topicPrefix', 'topicPrefix', name);
  setIfEmpty(sink.nats as Obj, 'stream', 'sink.nats.stream', name);
  setIfEmpty(sink.kafka as Obj, 'clientId', 'sink.kafka.clientId', name === '' ? 'walcast' : `walcast-${name}`);
  // Avro schemas derive from the Kafka Connect schemas, which the envelope stage writes with schemas on.
  const avro = sink.type === 'kafka' && (sink.kafka as Obj).format === 'avro';
  if (avro && isObj(c.envelope)) (c.envelope as Obj).schemas = true;
  // auto: Avro needs valid names (Debezium + AvroConverter would fail on `my-prefix`); the
  // adjustment leaves valid names as they are, so it changes nothing Debezium would accept.
  if (isObj(c.envelope) && c.envelope.schemaNameAdjustment === 'auto') c.envelope.schemaNameAdjustment = avro ? 'avro' : 'none';
  // Stable per connector and slot: a restart (or a second instance) presents the same id, so
  // the broker fences the older producer and aborts its open transaction.
  setIfEmpty(sink.kafka as Obj, 'transactionalId', 'sink.kafka.transactionalId', `walcast-${name}-${String(source.slot)}`);
  return derived;
}

function readJson(file: string, problems: string[]): Obj {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : String(e);
    problems.push(code === 'ENOENT' ? `config file ${file}: not found` : `config file ${file}: cannot be read (${code})`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // JSON.parse messages quote at most a short token, never a whole value line.
    problems.push(`config file ${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    return {};
  }
  if (!isObj(parsed)) {
    problems.push(`config file ${file}: must hold a JSON object`);
    return {};
  }
  return parsed;
}

/**
 * A group key (e.g. `source`) given as a non-object would make convict report every key
 * under it as missing, and a value given as an object would be merged into its default
 * unreported; report either once and drop it instead.
 */
function dropMisshapenGroups(input: Obj, node: Obj, prefix: string): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    const s = node[k];
    if (s === undefined) continue;
    const path = prefix + k;
    if (isLeaf(s)) {
      // convict would merge the object into the leaf's default and report nothing (or only
      // "missing"): `tables: {...}` would quietly capture the default public.*.
      if (isObj(v)) {
        problems.push(`${path}: ${leafExpectation(s)}, not an object`);
        delete input[k];
      }
      continue;
    }
    if (!isObj(v)) {
      problems.push(`${path}: must be an object`);
      delete input[k];
    } else {
      problems.push(...dropMisshapenGroups(v, s as Obj, `${path}.`));
    }
  }
  return problems;
}

/** Leaf paths of a plain object; arrays are leaves. */
function leaves(o: Obj, prefix: string): Array<[string, unknown]> {
  return Object.entries(o).flatMap(([k, v]) => (isObj(v) ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]]));
}

/**
 * convict joins its findings with newlines, each `path: reason[: value was ...]` (values of
 * `sensitive` keys are never included). Reword the two generic ones and name the env
 * variable when the value came from env.
 */
function convictProblems(message: string, env: NodeJS.ProcessEnv): string[] {
  const envOf = new Map(Object.entries(envVariables()));
  return message.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
    if (undeclared) {
      const near = closest(undeclared[1]!, knownPaths());
      return `${undeclared[1]}: unknown key${near === null ? '' : ` (did you mean ${near}?)`}`;
    }
    const missing = /^configuration param '(.+)' missing from config/.exec(line);
    if (missing) return `${missing[1]}: missing`;
    const path = /^([A-Za-z0-9_.]+): /.exec(line)?.[1];
    const envName = path === undefined ? undefined : envOf.get(path);
    return envName !== undefined && env[envName] !== undefined ? `${line} (from ${envName})` : line;
  });
}

/** Every key path of the schema, groups included (`source`, `source.tables`, ...). */
function knownPaths(): string[] {
  const out = new Set<string>();
  for (const path of Object.keys(envVariables())) {
    const parts = path.split('.');
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'));
  }
  return [...out];
}

/**
 * WALCAST_ variables of walcast's own scripts, tests and bench, not of the config: never taken
 * for a misspelled config variable.
 */
const TOOLING_ENV = /^WALCAST_(BENCH|TEST|NODE|EOS|STORM|KAFKA_BENCH)_|^WALCAST_(CACHE_DIR|PG_BIN|NATS_SERVER|STREAM|COMPAT_REPORT|VERSION|HTTP_PORT_FILE)$/;

/**
 * A WALCAST_ variable no config key declares but a few edits away from one that does
 * (WALCAST_SORCE_URL): a slip that would otherwise be ignored without a word, leaving the key
 * at its default. Other unknown WALCAST_ names are left alone (other tools may use the prefix).
 */
function misspelledEnv(env: NodeJS.ProcessEnv): string[] {
  const declared = new Set(Object.values(envVariables()));
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('WALCAST_') || declared.has(name) || TOOLING_ENV.test(name)) continue;
    const near = closest(name, declared);
    if (near !== null) problems.push(`${name}: unknown environment variable, ignored (did you mean ${near}?)`);
  }
  return problems;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

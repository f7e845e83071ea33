/**
 * deploy/ against the real PostgreSQL (no Docker engine here): the compose file's seed SQL is run
 * in a fresh database; walcast's server checks (`validate --connect`) pass with the compose's
 * walcast config against it; and the image's entrypoint, laid out as the Dockerfile's runtime
 * stage lays it out, snapshots every seeded row with that config.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { escapeIdentifier } from 'pg';
import { loadConfig } from '../../../config/load';
import { connectPg } from '../../../connector/cli/pg';
import { topicName } from '../../../connector/model/topic';
import { preflight } from '../../../connector/source/preflight';
import { createTestDatabase, pgFromInfra, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { composeFile, composeWalcastConfig, dockerfileStages, ROOT, seedSqlFile } from '../../support/deploy-files';

const compose = composeFile();
const runtime = dockerfileStages().at(-1)!;
const last = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword).at(-1)!;
const imageCmd = last('CMD').exec!;
const CONFIG_IN_IMAGE = imageCmd[imageCmd.indexOf('--config') + 1]!;
const walcast = composeWalcastConfig(compose, CONFIG_IN_IMAGE);
const seedSql = readFileSync(seedSqlFile(compose), 'utf8');

let seeded: TestDatabase;
const slots: string[] = [];
const tmpDirs: string[] = [];

beforeAll(async () => {
  seeded = await createTestDatabase('seed');
  // The postgres image runs init scripts with psql; these are plain statements, one simple query.
  await seeded.query(seedSql);
});

afterAll(async () => {
  for (const s of slots) await pgFromInfra().query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [s]);
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  await pgFromInfra().close();
});

/** The compose walcast config, pointed at `url`, with slot and publication unique to this test. */
function configFor(url: string, extra: Record<string, string> = {}) {
  const slot = uniqueName('deploy');
  slots.push(slot);
  const env = { ...walcast.env, WALCAST_SOURCE_URL: url, WALCAST_SOURCE_SLOT: slot, WALCAST_SOURCE_PUBLICATION: slot, ...extra };
  return { env, config: loadConfig({ file: walcast.file, env }) };
}

async function rowCount(table: string): Promise<number> {
  const [schema, name] = table.split('.');
  const [row] = await seeded.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${escapeIdentifier(schema!)}.${escapeIdentifier(name!)}`);
  return row!.n;
}

test('the seed creates every table walcast is configured for, each with rows', async () => {
  const { config } = configFor(seeded.url);
  const counts = new Map<string, number>();
  for (const table of config.source.tables) counts.set(table, await rowCount(table));
  expect([...counts.keys()]).toEqual(config.source.tables);
  expect([...counts].filter(([, n]) => n === 0)).toEqual([]);
});

test('walcast\'s server checks pass with the compose config on the seeded database, and fail on an empty one', async () => {
  const { config } = configFor(seeded.url);
  const session = await connectPg(seeded.url, 'walcast-deploy-test');
  try {
    const result = await preflight(session, config);
    expect(result.problems).toEqual([]);
    expect(result.notes.join('\n')).toMatch(/replication slot .* will be created/);
  } finally {
    await session.end();
  }

  // The same check on a database without the seed names every configured table.
  const empty = await createTestDatabase('noseed');
  const emptySession = await connectPg(empty.url, 'walcast-deploy-test');
  try {
    const { problems } = await preflight(emptySession, configFor(empty.url).config);
    for (const table of config.source.tables) expect(problems).toContain(`source.tables entry "${table}" matches no table in database "${empty.name}"`);
  } finally {
    await emptySession.end();
  }
});

/**
 * The Dockerfile's runtime stage as a directory: its COPY --from=build sources come from this
 * checkout's build (dist/, node_modules), its context COPYs from the checkout. Returns the
 * directory and the image's ENV.
 */
function runtimeLayout(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'walcast-image-'));
  tmpDirs.push(dir);
  const workdir = last('WORKDIR').args;
  const env: Record<string, string> = {};
  for (const ins of runtime.instructions) {
    if (ins.keyword === 'ENV') {
      const [k, ...v] = ins.args.split('=');
      env[k!] = v.join('=');
    }
    if (ins.keyword !== 'COPY') continue;
    const parts = ins.exec ?? ins.args.split(/\s+/);
    const dest = parts.at(-1)!;
    for (const src of parts.slice(0, -1)) {
      // Build-stage paths are under its WORKDIR, which is this checkout after `npm run build`.
      const from = ins.flags.from === undefined ? join(ROOT, src) : join(ROOT, src.replace(new RegExp(`^${workdir}/`), ''));
      const to = join(dir, dest.endsWith('/') ? join(dest, basename(src)) : dest);
      expect({ src, exists: existsSync(from) }).toEqual({ src, exists: true });
      mkdirSync(join(to, '..'), { recursive: true });
      // node_modules: the checkout's (with dev dependencies; the image prunes them).
      if (basename(src) === 'node_modules') symlinkSync(from, to);
      else cpSync(from, to, { recursive: true });
    }
  }
  return { dir, env };
}

test('the image\'s entrypoint with the compose config snapshots every seeded row (stdout sink, initial_only)', async () => {
  const cli = join(ROOT, 'dist/connector/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (scripts/test.sh does)`);
  const { dir, env: imageEnv } = runtimeLayout();
  expect(imageEnv.WALCAST_OFFSETS_STATE_DIR).toBe('/var/lib/walcast');
  const stateDir = join(dir, 'state');

  const { env, config } = configFor(seeded.url, {
    WALCAST_SINK_TYPE: 'stdout', WALCAST_SNAPSHOT_MODE: 'initial_only', WALCAST_HTTP_PORT: '0',
  });
  const argv = [...last('ENTRYPOINT').exec!, ...imageCmd].map((a) => (a === CONFIG_IN_IMAGE ? walcast.file : a));
  expect(argv[0]).toBe('node');
  const child = spawn(process.execPath, argv.slice(1), {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...imageEnv, WALCAST_OFFSETS_STATE_DIR: stateDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });

  const reads = new Map<string, number>();
  for (const line of out.split('\n').filter((l) => l !== '')) {
    const rec = JSON.parse(line) as { topic: string; value: { op: string } | null };
    if (rec.value?.op === 'r') reads.set(rec.topic, (reads.get(rec.topic) ?? 0) + 1);
  }
  const expected = new Map<string, number>();
  for (const table of config.source.tables) {
    const [schema, name] = table.split('.');
    expected.set(topicName(config.topicPrefix, schema!, name!), await rowCount(table));
  }
  expect(reads).toEqual(expected);
  // Decimals are readable in the compose setup (envelope.decimalHandling string).
  expect(out).toMatch(/"total":"\d+\.\d{2}"/);
});

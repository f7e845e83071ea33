import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, pgFromInfra, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';
import { waitFor } from '../../infra/wait';
import { startCli } from '../support/cli-process';

// A connector with a stdout (or NATS) sink does not load the Kafka client library: importing
// @platformatic/kafka compiles its protocol schemas, about half a second of CPU at every start
// (connector/sink/factory.ts). The built CLI runs a whole snapshot with a preloaded hook that
// notes every module request; the hook's own record of `pg` proves it was listening.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('startup_modules');
  await db.query('CREATE TABLE public.items (id int PRIMARY KEY, note text)');
  await db.query("INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 5) g");
});

afterAll(async () => {
  await pgFromInfra().close();
});

test('walcast run with a stdout sink never loads @platformatic/kafka', async () => {
  const dir = tempDir('walcast-startup-');
  const seen = join(dir, 'requests.txt');
  const hook = join(dir, 'hook.js');
  writeFileSync(hook, `
const Module = require('node:module');
const fs = require('node:fs');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'pg' || request.startsWith('@platformatic/kafka')) fs.appendFileSync(${JSON.stringify(seen)}, request + '\\n');
  return load.call(this, request, ...rest);
};
`);
  writeFileSync(seen, '');
  const name = uniqueName('startup');
  const p = startCli(['run'], {
    NODE_OPTIONS: `--require ${hook}`,
    WALCAST_NAME: name, WALCAST_SOURCE_URL: db.url, WALCAST_SOURCE_TABLES: 'public.items',
    WALCAST_SINK_TYPE: 'stdout', WALCAST_SNAPSHOT_MODE: 'initial_only', WALCAST_OFFSETS_STATE_DIR: dir, WALCAST_HTTP_PORT: '0',
  });
  let code: number | null | undefined;
  void p.exited.then((c) => { code = c; });
  try {
    await waitFor(() => code !== undefined, { timeoutMs: 60_000, message: () => `walcast run (initial_only) to exit; stderr:\n${p.stderr()}` });
    expect({ code, stderr: code === 0 ? '' : p.stderr() }).toEqual({ code: 0, stderr: '' });
    // Started as the launchers start it (support/cli-process.ts passes the heap flags).
    expect(p.stderr()).not.toContain('node runs without');
    const rows = p.stdout().split('\n').filter((l) => l.includes('"op":"r"'));
    expect(rows).toHaveLength(5);
    const requests = readFileSync(seen, 'utf8').split('\n').filter((l) => l !== '');
    expect(requests).toContain('pg');
    expect(requests.filter((r) => r.startsWith('@platformatic/kafka'))).toEqual([]);
  } finally {
    p.child.kill('SIGKILL');
    await p.exited;
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [`walcast_${name}`]);
  }
});

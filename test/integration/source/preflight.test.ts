import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../../config/load';
import type { WalcastConfig } from '../../../config/types';
import { isConnectorError } from '../../../connector/errors';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { inspectServer } from '../../../connector/pipeline/prepare';
import { preflight } from '../../../connector/source/preflight';
import { createTestDatabase, pgFromInfra, type TestDatabase } from '../../infra/env';
import { PG_BIN } from '../../infra/as-postgres';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';

// preflight against the shared real cluster: a fresh database per file, unique slot and
// publication names per test, and nothing created by preflight itself.

let db: TestDatabase;
const clients: Client[] = [];
const slots: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase('preflight');
  await db.query(`CREATE TABLE public.orders (id int8 PRIMARY KEY, status text);
                  CREATE TABLE public.nokey (v text);
                  CREATE SCHEMA inventory;
                  CREATE TABLE inventory.stock (sku text PRIMARY KEY, qty int);
                  ALTER TABLE public.orders OWNER TO walcast; ALTER TABLE public.nokey OWNER TO walcast;
                  ALTER SCHEMA inventory OWNER TO walcast; ALTER TABLE inventory.stock OWNER TO walcast`);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  for (const s of slots) await db.query('SELECT pg_drop_replication_slot($1)', [s]).catch(() => undefined);
  await pgFromInfra().close();
});

function config(source: Record<string, unknown>, url = db.url, extra: object = {}): WalcastConfig {
  const name = uniqueName('pf');
  return loadConfig({ env: {}, overrides: { name, source: { url, ...source }, http: { port: 0 }, ...extra } });
}

async function check(c: WalcastConfig) {
  const client = new Client({ connectionString: c.source.url });
  clients.push(client);
  await client.connect();
  return preflight(client, c);
}

test('a clean setup has no problems and says what start will create', async () => {
  const c = config({ tables: ['public.orders'] });
  const r = await check(c);
  expect(r.problems).toEqual([]);
  expect(r.notes).toEqual(expect.arrayContaining([
    `replication slot "${c.source.slot}" does not exist; it will be created (plugin pgoutput)`,
    `publication "${c.source.publication}" does not exist; it will be created (1 table(s))`,
  ]));
  // preflight changed nothing
  expect(await db.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [c.source.publication])).toEqual([]);
  expect(await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [c.source.slot])).toEqual([]);
});

test('an exact pattern matching nothing is a problem, a wildcard one a note; keyless tables are noted', async () => {
  const r = await check(config({ tables: ['public.*', 'public.missing', 'nope.*'] }));
  expect(r.problems).toEqual([`source.tables entry "public.missing" matches no table in database "${db.name}"`]);
  expect(r.notes).toEqual(expect.arrayContaining([
    'source.tables pattern "nope.*" matches no table (yet)',
    expect.stringMatching(/^no primary key or replica identity on public\.nokey:/),
  ]));
});

test('a typo in the only table entry is one problem, with the close existing name', async () => {
  const r = await check(config({ tables: ['public.order'] }));
  expect(r.problems).toEqual([`source.tables entry "public.order" matches no table in database "${db.name}" (did you mean "public.orders"?)`]);
});

test('an existing filtered publication with other tables lists what start will add and remove', async () => {
  const c = config({ tables: ['public.orders', 'public.nokey'] });
  await db.query(`CREATE PUBLICATION "${c.source.publication}" FOR TABLE public.orders, inventory.stock`);
  const r = await check(c);
  expect(r.problems).toEqual([]);
  expect(r.notes).toContain(`publication "${c.source.publication}" differs from source.tables; at start it will be changed to: add public.nokey; remove inventory.stock`);
});

test('publicationMode disabled: the publication must exist and publish the configured tables', async () => {
  const missing = config({ tables: ['public.orders'], publicationMode: 'disabled' });
  expect((await check(missing)).problems).toEqual([expect.stringMatching(/does not exist and source.publicationMode is "disabled"/)]);

  const partial = config({ tables: ['public.*'], publicationMode: 'disabled' });
  await db.query(`CREATE PUBLICATION "${partial.source.publication}" FOR TABLE public.orders WITH (publish = 'insert, update')`);
  const r = await check(partial);
  expect(r.problems).toEqual([`publication "${partial.source.publication}" (publicationMode disabled) does not publish public.nokey`]);
  expect(r.notes).toContain(`publication "${partial.source.publication}" does not publish delete, truncate`);
});

test('an existing slot with another plugin is a problem', async () => {
  const c = config({ tables: ['public.orders'] });
  await db.query("SELECT pg_create_logical_replication_slot($1, 'wal2json')", [c.source.slot]);
  slots.push(c.source.slot);
  const r = await check(c);
  expect(r.problems).toEqual([`replication slot "${c.source.slot}" uses plugin wal2json, but source.plugin is pgoutput`]);
});

test('wal2json is found on disk by a superuser', async () => {
  const r = await check(config({ tables: ['public.orders'], plugin: 'wal2json' }));
  expect(r.problems).toEqual([]);
  expect(r.notes.join('\n')).not.toMatch(/wal2json is installed/);
  expect(r.notes).toContain('source.streamInProgress: not applicable to wal2json (it has no streaming of in-progress transactions)');
});

test('a role without privileges gets every problem at once', async () => {
  const url = pgFromInfra().url(db.name, 'limited');
  const r = await check(config({ tables: ['public.orders', 'inventory.*'], plugin: 'wal2json' }, url));
  expect(r.problems).toEqual([
    'role "limited" can not replicate: it needs the REPLICATION attribute (ALTER ROLE ... REPLICATION) or superuser',
    'role "limited" can not SELECT inventory.stock, public.orders: the snapshot reads them (GRANT USAGE ON SCHEMA and SELECT)',
  ]);
  expect(r.notes).toContain('cannot verify that wal2json is installed: reading the server library directory needs superuser');

  const c = config({ tables: ['public.orders'] }, url, { snapshot: { mode: 'never' } });
  const pg = await check(c);
  expect(pg.problems).toEqual([
    'role "limited" can not replicate: it needs the REPLICATION attribute (ALTER ROLE ... REPLICATION) or superuser',
    `role "limited" lacks CREATE on database "${db.name}" to create publication "${c.source.publication}"`,
    `role "limited" must own public.orders to put them in publication "${c.source.publication}"`,
  ]);
  expect(pg.notes).toContain('role "limited" can not SELECT public.orders (not needed while snapshot.mode is never)');
});

test('validate predicts run: colliding topics are the same problem in both', async () => {
  await db.query(`CREATE SCHEMA clash; CREATE TABLE clash."Order Items" (id int PRIMARY KEY); CREATE TABLE clash."Order_Items" (id int PRIMARY KEY)`);
  const c = config({ tables: ['clash.*'] });
  const r = await check(c);
  const collision = expect.stringMatching(/Order Items.*Order_Items|Order_Items.*Order Items/);
  expect(r.problems).toEqual([collision]);

  const client = new Client({ connectionString: c.source.url });
  clients.push(client);
  await client.connect();
  const error = await inspectServer(client, c, createMemoryLogger()).then(() => null, (e: unknown) => e);
  expect(isConnectorError(error, 'CONFIG_INVALID')).toBe(true);
  expect((error as Error).message).toBe(`cannot start:\n  - ${r.problems[0]}`);
});

test('a slot in use is a note (run waits as a standby), not a problem', async () => {
  const c = config({ tables: ['public.orders'] });
  await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [c.source.slot]);
  slots.push(c.source.slot);
  await db.query(`CREATE PUBLICATION "${c.source.publication}" FOR TABLE public.orders`);
  // pg_recvlogical holds the slot, as a running owner would.
  const holder = spawn(path.join(PG_BIN, 'pg_recvlogical'), ['-d', c.source.url, '--slot', c.source.slot, '--start', '-f', '/dev/null',
    '-o', 'proto_version=1', '-o', `publication_names=${c.source.publication}`], { stdio: 'ignore' });
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  await waitFor(async () => (await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [c.source.slot])).length === 1);
  try {
    const r = await check(c);
    expect(r.problems).toEqual([]);
    expect(r.notes).toContainEqual(expect.stringMatching(new RegExp(`replication slot "${c.source.slot}" is in use \\(pid \\d+\\); this instance would wait as a standby`)));
  } finally {
    holder.kill();
    await exited;
  }
});

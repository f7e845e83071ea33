import { Client, ClientConfig } from 'pg';
import { createTestDatabase, pgFromInfra, TestDatabase, testInfra } from '../../infra/env';
import { uniqueName } from '../../infra/names';

// Proves the shared cluster from global setup is what the connector tests assume: scram over
// TCP, logical decoding with both plugins, walsender connections, and a non-privileged role.

let db: TestDatabase;
const clients: Client[] = [];

// pg supports the walsender startup parameter; @types/pg does not declare it.
type ReplicationConfig = ClientConfig & { replication?: 'database' };

async function connect(config: ReplicationConfig): Promise<Client> {
  const client = new Client(config);
  clients.push(client);
  await client.connect();
  return client;
}

beforeAll(async () => {
  db = await createTestDatabase('infra');
  await db.query('CREATE TABLE public.items (id int8 PRIMARY KEY, label text NOT NULL)');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
});

afterAll(async () => {
  await pgFromInfra().close();
});

test('global setup describes the cluster', () => {
  const { pg } = testInfra();
  expect(pg.port).toBeGreaterThan(0);
  expect(pg.host).toBe('127.0.0.1');
  expect(db.url).toBe(`postgres://walcast:walcast-secret@127.0.0.1:${pg.port}/${db.name}`);
});

test('walcast logs in over TCP with its scram password; a wrong password is refused', async () => {
  const client = await connect({ connectionString: db.url });
  const [row] = (await client.query('SELECT current_user AS who, current_database() AS db')).rows;
  expect(row).toEqual({ who: 'walcast', db: db.name });
  const [auth] = await db.query<{ scram: boolean }>(
    "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname = $1",
    ['walcast'],
  );
  expect(auth?.scram).toBe(true);

  const wrong = new Client({ connectionString: pgFromInfra().url(db.name, 'walcast', 'nope') });
  clients.push(wrong);
  await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });
});

test('wal_level is logical', async () => {
  const [row] = await db.query<{ wal_level: string }>('SHOW wal_level');
  expect(row?.wal_level).toBe('logical');
});

test('a wal2json slot decodes an insert and can be dropped', async () => {
  const slot = uniqueName('w2j');
  await db.query("SELECT pg_create_logical_replication_slot($1, 'wal2json')", [slot]);
  await db.query("INSERT INTO public.items VALUES (1, 'one')");
  const changes = await db.query<{ data: string }>(
    "SELECT data FROM pg_logical_slot_get_changes($1, NULL, NULL, 'format-version', '2')",
    [slot],
  );
  const insert = changes.map((c) => JSON.parse(c.data) as Record<string, unknown>).find((c) => c.action === 'I');
  expect(insert).toMatchObject({ schema: 'public', table: 'items' });
  await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
  expect(await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot])).toEqual([]);
});

test('a pgoutput slot emits binary changes for a publication and can be dropped', async () => {
  const slot = uniqueName('pgo');
  const publication = uniqueName('pub');
  await db.query(`CREATE PUBLICATION "${publication}" FOR TABLE public.items`);
  await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
  await db.query("INSERT INTO public.items VALUES (2, 'two')");
  const changes = await db.query<{ data: Buffer }>(
    "SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
    [slot, publication],
  );
  // pgoutput message tags: B(egin) R(elation) I(nsert) C(ommit).
  expect(changes.map((c) => String.fromCharCode(c.data[0] ?? 0))).toEqual(['B', 'R', 'I', 'C']);
  await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
  expect(await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot])).toEqual([]);
});

test('a replication connection answers IDENTIFY_SYSTEM', async () => {
  const client = await connect({ connectionString: db.url, replication: 'database' });
  const { rows } = await client.query('IDENTIFY_SYSTEM');
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ dbname: db.name, timeline: expect.anything() });
  expect(String(rows[0].xlogpos)).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
});

test('the limited role can log in but not open a replication connection', async () => {
  const url = pgFromInfra().url(db.name, 'limited');
  const client = await connect({ connectionString: url });
  const [row] = (await client.query('SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = current_user')).rows;
  expect(row).toEqual({ rolsuper: false, rolreplication: false });

  const config: ReplicationConfig = { connectionString: url, replication: 'database' };
  const replication = new Client(config);
  clients.push(replication);
  await expect(replication.connect()).rejects.toMatchObject({ code: '42501' });
});

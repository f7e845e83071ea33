import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { runCli } from '../../../connector/cli/program';
import { silentLogger } from '../../../connector/observe/logger';
import { createTestDatabase, kafkaFromInfra, natsFromInfra, pgFromInfra, type TestDatabase } from '../../infra/env';
import { freePort } from '../../infra/postgres';
import { uniqueName } from '../../infra/names';

// `walcast validate --connect` and `walcast status` in-process against the real cluster.

let db: TestDatabase;
const slots: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase('clistatus');
  await db.query('CREATE TABLE public.orders (id int8 PRIMARY KEY)');
});

afterAll(async () => {
  for (const s of slots) await db.query('SELECT pg_drop_replication_slot($1)', [s]).catch(() => undefined);
  await pgFromInfra().close();
});

async function cli(argv: string[], env: NodeJS.ProcessEnv) {
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (c: Buffer) => { out += c.toString(); });
  const stderr = new PassThrough().on('data', (c: Buffer) => { err += c.toString(); });
  const code = await runCli(argv, { stdout, stderr, env }, { signals: new EventEmitter(), exit: () => undefined, logger: silentLogger });
  return { code, out, err };
}

const envFor = (name: string, extra: NodeJS.ProcessEnv = {}) => ({
  WALCAST_NAME: name, WALCAST_SOURCE_URL: db.url, WALCAST_SOURCE_TABLES: 'public.orders',
  WALCAST_SINK_KAFKA_BROKERS: kafkaFromInfra().bootstrap, ...extra,
});

test('validate --connect passes on a good setup and exits 1 listing server problems', async () => {
  const ok = await cli(['validate', '--connect'], envFor(uniqueName('v')));
  expect(ok.err).toBe('');
  expect(ok.code).toBe(0);
  expect(ok.out).toMatch(/note: replication slot .* will be created/);
  expect(ok.out).toMatch(/broker OK: kafka \S+ \(1 broker\)/);
  expect(ok.out).toMatch(/server OK/);
  expect(ok.out).not.toContain('walcast-secret');

  const bad = await cli(['validate', '--connect'], envFor(uniqueName('v'), { WALCAST_SOURCE_TABLES: 'public.orders,public.nope', WALCAST_SOURCE_URL: pgFromInfra().url(db.name, 'limited') }));
  expect(bad.code).toBe(1);
  expect(bad.err).toMatch(/server: \d+ problems/);
  expect(bad.err).toContain('source.tables entry "public.nope" matches no table');
  expect(bad.err).toContain('role "limited" can not replicate');
  expect(bad.out + bad.err).not.toContain('limited-secret');
});

test('validate --connect exits 2 on a wrong password, without printing it', async () => {
  const r = await cli(['validate', '--connect'], envFor('x', { WALCAST_SOURCE_URL: pgFromInfra().url(db.name, 'walcast', 'wrong-pass') }));
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/PG_AUTH/);
  expect(r.err).not.toContain('wrong-pass');
});

test('validate --connect checks the broker: Kafka or NATS down is exit 2, never "server OK"', async () => {
  const closed = `127.0.0.1:${await freePort()}`;
  const kafkaDown = await cli(['validate', '--connect'], envFor(uniqueName('v'), { WALCAST_SINK_KAFKA_BROKERS: closed }));
  expect(kafkaDown.code).toBe(2);
  expect(kafkaDown.err).toContain(`broker check failed: kafka ${closed}`);
  expect(kafkaDown.err).toContain(`Cause: connect ECONNREFUSED ${closed}`); // the reason, not only 'metadata failed 3 times'
  expect(kafkaDown.out).not.toContain('server OK');

  const natsDown = await cli(['validate', '--connect'], envFor(uniqueName('v'), { WALCAST_SINK_TYPE: 'nats', WALCAST_SINK_NATS_SERVERS: closed }));
  expect(natsDown.code).toBe(2);
  expect(natsDown.err).toContain(`broker check failed: nats ${closed}`);
  expect(natsDown.out).not.toContain('server OK');

  const natsUp = await cli(['validate', '--connect'], envFor(uniqueName('v'), { WALCAST_SINK_TYPE: 'nats', WALCAST_SINK_NATS_SERVERS: natsFromInfra().url }));
  expect(natsUp.out).toMatch(/broker OK: nats \S+ \(JetStream/);
  expect(natsUp.code).toBe(0);
});

test.each([
  ['a ?password= query parameter', (p: string) => `postgres://walcast@127.0.0.1:${pgFromInfra().port}/${db.name}?password=${p}`],
  ['an unencoded @ in the password', (p: string) => `postgres://walcast:${p}@127.0.0.1:${pgFromInfra().port}/${db.name}`],
])('a wrong password in %s appears nowhere: validate, validate --connect, status', async (_what, urlWith) => {
  const secret = 'k3@Wrong-Secret';
  const env = envFor(uniqueName('v'), { WALCAST_SOURCE_URL: urlWith(secret) });
  const validate = await cli(['validate', '--connect'], env);
  expect(validate.code).toBe(2);
  expect(validate.err).toMatch(/PG_AUTH: .*password authentication failed for user "walcast" \(check the user and password/);
  expect(validate.err.split('password authentication failed').length - 1).toBe(1);
  const status = await cli(['status'], env);
  expect(status.code).toBe(2);
  expect(status.err).toMatch(/PG_AUTH/);
  for (const text of [validate.out, validate.err, status.out, status.err]) {
    expect(text).not.toContain('Wrong-Secret');
    expect(text).not.toContain('k3@');
  }
});

test('status shows slot position, lag and publication tables', async () => {
  const name = uniqueName('st');
  const slot = `walcast_${name}`;
  await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
  slots.push(slot);
  await db.query(`CREATE PUBLICATION "${slot}" FOR TABLE public.orders`);
  await db.query('INSERT INTO public.orders SELECT generate_series(1, 1000)');

  const table = await cli(['status'], envFor(name));
  expect(table.code).toBe(0);
  expect(table.out).toMatch(new RegExp(`slot\\s+${slot}\\n`));
  expect(table.out).toMatch(/active\s+no/);
  expect(table.out).toMatch(/confirmed\s+[0-9A-F]+\/[0-9A-F]+/);
  expect(table.out).toMatch(/publication\s+\S+ \(1 tables\)\n {2}public\.orders/);

  const json = await cli(['status', '--json'], envFor(name));
  const report = JSON.parse(json.out) as { slot: { exists: boolean; plugin: string; lagBytes: number; walStatus: string }; publication: { tables: string[] } };
  expect(report.slot).toMatchObject({ exists: true, plugin: 'pgoutput', walStatus: 'reserved' });
  expect(report.slot.lagBytes).toBeGreaterThan(0);
  expect(report.publication.tables).toEqual(['public.orders']);
});

/**
 * A Debezium Server application.properties as Debezium ships it (test/fixtures/debezium/) runs
 * unchanged with `walcast validate` and `walcast run --debezium-properties`, streaming the
 * `inventory` schema to NATS JetStream. Only what differs per deployment comes from WALCAST_*
 * env, which overrides the file (the documented precedence): the database URL and NATS server
 * of the test infrastructure, plus a unique name, topic prefix and stream so tests do not
 * collide, and a temporary state directory in place of the file's relative `data/`.
 */
import { resolve } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createTestDatabase, kafkaFromInfra, natsFromInfra, pgFromInfra, type TestDatabase } from '../../infra/env';
import { readSubject } from '../../infra/nats';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';
import { waitFor } from '../../infra/wait';
import { runCli, startCli } from '../support/cli-process';
import { dropSlotAndPublication } from '../support/connector';

const FIXTURE = resolve(__dirname, '../../fixtures/debezium/application.properties');
const KAFKA_FIXTURE = resolve(__dirname, '../../fixtures/debezium/application-kafka.properties');

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('dbzprops');
  await db.query('CREATE SCHEMA inventory');
  await db.query('CREATE TABLE inventory.customers (id int PRIMARY KEY, email text NOT NULL)');
  await db.query("INSERT INTO inventory.customers VALUES (1001, 'sally@example.com'), (1002, 'george@example.com')");
  // Outside schema.include.list=inventory: must not be captured.
  await db.query('CREATE TABLE public.other (id int PRIMARY KEY)');
  await db.query('INSERT INTO public.other VALUES (1)');
});

afterAll(async () => {
  await pgFromInfra().close();
});

function deploymentEnv(name: string, stream: string): NodeJS.ProcessEnv {
  return {
    WALCAST_NAME: name, WALCAST_TOPIC_PREFIX: name, WALCAST_SINK_NATS_STREAM: stream,
    WALCAST_SOURCE_URL: db.url, WALCAST_SINK_NATS_SERVERS: natsFromInfra().url,
    WALCAST_OFFSETS_STATE_DIR: tempDir('walcast-dbz-state-'), WALCAST_HTTP_PORT: '0', WALCAST_LOG_FORMAT: 'json',
  };
}

const IGNORED_WARNING = /application\.properties: ignoring 3 Debezium properties walcast has no equivalent for: debezium\.sink\.nats-jetstream\.storage, debezium\.sink\.nats-jetstream\.subjects, debezium\.source\.offset\.flush\.interval\.ms/;

test('validate --debezium-properties accepts the file and names the ignored keys once', async () => {
  const r = await runCli(['validate', '--debezium-properties', FIXTURE], deploymentEnv(uniqueName('dbzv'), uniqueName('DBZV')));
  expect(r.stderr).toMatch(new RegExp(`^warning: \\S*${IGNORED_WARNING.source}`, 'm'));
  expect(r.stderr.match(/warning:/g)).toHaveLength(1);
  expect(r.stdout).toContain(`config OK (${FIXTURE})`);
  expect(r.code).toBe(0);
});

test('validate --connect --debezium-properties accepts the documented Kafka example and reaches the test Kafka', async () => {
  const env = {
    WALCAST_NAME: uniqueName('dbzk'), WALCAST_SOURCE_URL: db.url, WALCAST_SINK_KAFKA_BROKERS: kafkaFromInfra().bootstrap,
    WALCAST_OFFSETS_STATE_DIR: tempDir('walcast-dbz-state-'), WALCAST_HTTP_PORT: '0',
  };
  const r = await runCli(['validate', '--connect', '--debezium-properties', KAFKA_FIXTURE], env);
  expect(r.stderr).toMatch(/warning: \S*application-kafka\.properties: ignoring 2 Debezium properties walcast has no equivalent for: debezium\.source\.offset\.flush\.interval\.ms, quarkus\.log\.console\.json/);
  expect(r.stdout).toContain(`config OK (${KAFKA_FIXTURE})`);
  expect(r.stdout).toMatch(/broker OK: kafka \S+ \(1 broker\)/);
  expect(r.code).toBe(0);
});

test('run --debezium-properties snapshots and streams the inventory schema to NATS JetStream', async () => {
  const name = uniqueName('dbzr');
  const stream = uniqueName('DBZR');
  const nats = natsFromInfra();
  const p = startCli(['run', '--debezium-properties', FIXTURE], deploymentEnv(name, stream));
  const subject = `${name}.inventory.customers`;
  const values = async () => (await readSubject(nats.url, stream, `${name}.>`).catch(() => []))
    // No debezium.format.*.schemas.enable in the file: Debezium Server's JsonConverter writes {schema, payload}, so walcast does too.
    .map((m) => ({ subject: m.subject, value: m.data.length === 0 ? null : (JSON.parse(m.data.toString()) as { payload: { op: string; after: Record<string, unknown> | null } }).payload }));
  try {
    await waitFor(async () => (await values()).length >= 2, { timeoutMs: 60_000, message: () => `snapshot on NATS; stderr:\n${p.stderr()}` });
    await db.query("INSERT INTO inventory.customers VALUES (1003, 'edward@example.com')");
    await db.query('INSERT INTO public.other VALUES (2)');
    await waitFor(async () => (await values()).length >= 3, { timeoutMs: 60_000, message: () => `streamed insert on NATS; stderr:\n${p.stderr()}` });
    const got = await values();
    expect(got.map((m) => m.subject)).toEqual([subject, subject, subject]);
    expect(got.map((m) => [m.value?.op, m.value?.after])).toEqual([
      ['r', { id: 1001, email: 'sally@example.com' }],
      ['r', { id: 1002, email: 'george@example.com' }],
      ['c', { id: 1003, email: 'edward@example.com' }],
    ]);
    // Logged once through the logger, so the JSON log lines stay JSON.
    const warned = p.stderr().split('\n').filter((l) => IGNORED_WARNING.test(l));
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0]!)).toMatchObject({ level: 'warn' });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  } finally {
    if (p.child.exitCode === null) { p.child.kill('SIGKILL'); await p.exited; }
    await dropSlotAndPublication(db, `walcast_${name}`, `walcast_${name}`);
    const nc = await connect({ servers: nats.url });
    try { await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false); } finally { await nc.close(); }
  }
});

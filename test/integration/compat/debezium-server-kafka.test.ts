/**
 * The Debezium Server application.properties of Debezium's documentation, with the Kafka sink
 * (test/fixtures/debezium/application-kafka.properties), runs unchanged: walcast loads it as
 * `walcast run --debezium-properties` does, writes to a real Kafka, and the records it stores are
 * Debezium 3.6.1's for the same source settings (Debezium Server's JsonConverter: schemas on).
 * Only what differs per deployment comes from WALCAST_* env, which overrides the file (the
 * documented precedence): the database URL, the brokers, a unique name and the topic prefix
 * (Debezium's, so topics compare), and a temporary state directory. The name differs from the
 * prefix on purpose: source.name is the prefix (Debezium's logical name), not the name.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/debezium-server-kafka.test.ts
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../../../config/load';
import { parseProperties } from '../../../config/java-properties';
import { startConnector } from '../../../connector/pipeline/supervisor';
import { createMemoryLogger, type CapturedLog } from '../../../connector/observe/logger';
import { createTestDatabase } from '../../infra/env';
import { readTopic } from '../../infra/kafka-reader';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';
import { waitFor } from '../../infra/wait';
import { startDebezium } from '../../peers/debezium-runner';
import { sharedKafka } from '../sink/kafka-support';
import { compareOutputs, formatDifferences, type PeerOutput } from './compare';
import { explain } from './known-differences';

jest.setTimeout(240_000);

const FIXTURE = resolve(__dirname, '../../fixtures/debezium/application-kafka.properties');
/** Where the documented deployment differs from the test's: the runner sets these itself. */
const DEPLOYMENT_KEYS = /^(database\.|topic\.prefix$|offset\.)/;

test('compat: Debezium\'s documented application.properties with the Kafka sink gives Debezium\'s records in Kafka', async () => {
  const kafka = await sharedKafka();
  const db = await createTestDatabase('dbzkafka');
  await db.query('CREATE SCHEMA inventory');
  await db.query('CREATE TABLE inventory.customers (id int PRIMARY KEY, first_name text NOT NULL, email text)');
  await db.query("INSERT INTO inventory.customers VALUES (1001, 'Sally', 'sally@example.com'), (1002, 'George', NULL)");
  // Outside schema.include.list=inventory: captured by neither.
  await db.query('CREATE TABLE public.other (id int PRIMARY KEY)');

  const source = Object.fromEntries([...parseProperties(readFileSync(FIXTURE, 'utf8'))]
    .filter(([k]) => k.startsWith('debezium.source.'))
    .map(([k, v]) => [k.replace(/^debezium\.source\./, ''), v])
    .filter(([k]) => !DEPLOYMENT_KEYS.test(k)));
  // The runner captures nothing beyond the file's schema.include.list (no table list) and keeps
  // Debezium's default skipped.operations (the file sets none).
  const debezium = await startDebezium(db, { tables: [], schemas: true, props: { ...source, 'table.include.list': '', 'skipped.operations': 't' } });

  const name = uniqueName('dbzk');
  const warnings: string[] = [];
  const config = loadConfig({
    debeziumProperties: FIXTURE,
    onWarning: (w) => warnings.push(w),
    env: {
      WALCAST_NAME: name, WALCAST_TOPIC_PREFIX: debezium.topicPrefix, WALCAST_SOURCE_URL: db.url,
      WALCAST_SINK_KAFKA_BROKERS: kafka.info.bootstrap, WALCAST_OFFSETS_STATE_DIR: tempDir('walcast-dbzk-'), WALCAST_HTTP_PORT: '0',
    },
  });
  expect(warnings).toEqual([`${FIXTURE}: ignoring 2 Debezium properties walcast has no equivalent for: debezium.source.offset.flush.interval.ms, quarkus.log.console.json`]);
  const logs: CapturedLog[] = [];
  const handle = startConnector(config, { logger: createMemoryLogger(logs) });
  try {
    await waitFor(() => {
      if (handle.phase() === 'failed') throw new Error(`walcast failed: ${JSON.stringify(logs.slice(-5))}`);
      return handle.phase() === 'streaming';
    }, { timeoutMs: 60_000, message: () => `walcast to stream; logs: ${JSON.stringify(logs.slice(-5))}` });

    // A commit both see before the workload (a probe, which the runner leaves out): source.sequence
    // starts with the previous commit's LSN, and Debezium saw its probes' commits, walcast not.
    await db.query("SELECT pg_logical_emit_message(true, 'walcast-debezium-probe', 'sync')");
    // One key for the changes: Kafka keeps one key's records in order (the topic may have several partitions).
    await db.query("INSERT INTO inventory.customers VALUES (1003, 'Edward', 'ed@example.com')");
    await db.query('INSERT INTO public.other VALUES (1)');
    await db.query("UPDATE inventory.customers SET email = 'edward@example.com' WHERE id = 1003");
    await db.query('DELETE FROM inventory.customers WHERE id = 1003');
    await db.query('TRUNCATE inventory.customers'); // skipped by both (Debezium's default skipped.operations=t)
    await db.query("INSERT INTO inventory.customers VALUES (1004, 'Anne', 'end')");

    const topic = `${debezium.topicPrefix}.inventory.customers`;
    const isEnd = (v: unknown) => JSON.stringify(v).includes('"end"');
    await debezium.waitForRecords((rs) => rs.some((r) => isEnd(r.value)), 60_000);
    // 2 snapshot reads, create, update, delete, tombstone, create.
    const stored = await readTopic(kafka.info.bootstrap, topic, { count: 7, timeoutMs: 60_000 });
    const ours: PeerOutput[] = stored.map((m) => {
      const key = m.key?.toString('utf8') ?? 'null';
      const value = m.value?.toString('utf8') ?? 'null';
      return { topic, key: JSON.parse(key), value: JSON.parse(value), headers: m.headers, raw: `{"topic":${JSON.stringify(topic)},"key":${key},"value":${value}}` };
    });
    // Snapshot reads first (paired by key), then the changes in WAL order (one key, one partition).
    const result = compareOutputs(ours, debezium.records().filter((r) => r.topic === topic));
    const unexplained = result.differences.filter((d) => explain(d) === undefined);
    process.stderr.write(`compat debezium-server-kafka: ${result.matched} values match, ${result.differences.length} differ (${unexplained.length} unexplained)\n`);
    expect(formatDifferences(unexplained)).toBe('');
    expect(debezium.records().filter((r) => r.topic === topic)).toHaveLength(7);
  } finally {
    await handle.stop('test');
    await debezium.stop();
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [config.source.slot]);
    await db.query(`DROP PUBLICATION IF EXISTS "${config.source.publication}"`);
    await kafka.stop();
  }
});

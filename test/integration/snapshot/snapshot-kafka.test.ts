/**
 * Snapshot to the run's Apache Kafka broker: a 50k-row table arrives as exactly one op 'r' message per
 * row, at parallelism 1 and 2 (prints rows/s), and a row's snapshot envelope equals the envelope
 * the streaming pipeline produces for the same row (same key, same `after`).
 */
import { createKafkaSink } from '../../../connector/sink/kafka';
import { EnvelopeBuilder } from '../../../connector/envelope/builder';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { parseLsn } from '../../../connector/protocol/lsn';
import type { Sink } from '../../../connector/sink/port';
import { runSnapshot } from '../../../connector/snapshot';
import { createTestDatabase, kafkaFromInfra, type TestDatabase } from '../../infra/env';
import { readTopic } from '../../infra/kafka';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';
import { kafkaConfig, storedCount } from '../sink/kafka-support';
import { dropSlotAndPublication, envelopeOf, run, scenario } from '../support/connector';

jest.setTimeout(300_000);

const ENVELOPE = { tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric', skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [], columnTruncate: [], columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [] } as const;
const ROWS = 50_000; // the 200k-row proof runs through the whole pipeline (test/integration/pipeline)
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('snapk');
  await db.query(`
    CREATE TABLE items (id int8 PRIMARY KEY, name text NOT NULL, price numeric(10,2), created timestamptz);
    INSERT INTO items SELECT g, 'item ' || g, g / 100.0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
      FROM generate_series(1, ${ROWS}) g;
    ANALYZE items;`);
});

async function snapshotToKafka(prefix: string, parallelism: number): Promise<{ rowsPerSec: number; topic: string }> {
  const sink: Sink = createKafkaSink(kafkaConfig(kafkaFromInfra().bootstrap, { partitions: 3 }), { logger: createMemoryLogger() });
  await sink.start();
  const topic = `${prefix}.public.items`;
  try {
    await sink.ensureTopics([topic]);
    const result = await runSnapshot({
      url: db.url, snapshotName: null, consistentPoint: parseLsn('0/1000'), tables: [{ schema: 'public', table: 'items' }],
      parallelism, chunkRows: 10_000, maxInFlightRecords: 20_000, progress: 'none', sink, logger: createMemoryLogger(),
      builder: new EnvelopeBuilder({ connectorName: prefix, topicPrefix: prefix, database: db.name, version: '0.0.0-test', options: ENVELOPE }),
    });
    expect(result.rows).toBe(ROWS);
    return { rowsPerSec: Math.round(result.rows / (result.durationMs / 1000)), topic };
  } finally {
    await sink.stop();
  }
}

it.each([1, 2])('snapshots 50k rows to Kafka with parallelism %i: one op r message per row', async (parallelism) => {
  const prefix = uniqueName('snapk');
  const { rowsPerSec, topic } = await snapshotToKafka(prefix, parallelism);
  process.stderr.write(`snapshot to Kafka, ${ROWS} rows, parallelism ${parallelism}: ${rowsPerSec} rows/s\n`);
  // Every row stored exactly once (per-row content is checked in snapshot.test.ts).
  expect(await storedCount(kafkaFromInfra().bootstrap, topic)).toBe(ROWS);
  const all = await readTopic(kafkaFromInfra().bootstrap, topic, { timeoutMs: 120_000 });
  expect(all).toHaveLength(ROWS);
  expect(new Set(all.map((m) => m.key!.toString())).size).toBe(ROWS);
  expect(all.every((m) => m.headers.op === 'r' && m.headers['walcast.id'] === `0/1000:r:public.items:${m.key!.toString()}`)).toBe(true);
  expect(all.filter((m) => envelopeOf(m)!.source.snapshot === 'last')).toHaveLength(1);
});

it('renders the same key and after for a row as the streaming pipeline does', async () => {
  const s = await scenario({ type: 'kafka', kafka: { brokers: [kafkaFromInfra().bootstrap], partitions: 1 } });
  await s.db.query(`CREATE TABLE mixed (id int8 PRIMARY KEY, n numeric(12,3), f float8, t timestamptz, ts timestamp, d date,
    tm time, iv interval, b bytea, j jsonb, arr int[], u uuid, flag bool, "Odd ""Name""" text, big int8)`);
  const r = run(s.config);
  try {
    await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 30_000, message: 'connector streaming' });
    await s.db.query(`INSERT INTO mixed VALUES (9007199254740993, -12.345, 0.1, '2024-02-29 23:59:59.123456+05', '2024-02-29 01:02:03.5',
      '1999-12-31', '13:14:15.25', '1 year 2 mons 3 days 04:05:06.7', '\\xdeadbeef', '{"a": [1, 2.50]}', '{1,NULL,3}',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true, 'quote " here', -9223372036854775808)`);
    const topic = `${s.config.topicPrefix}.public.mixed`;
    const [streamed] = await readTopic(kafkaFromInfra().bootstrap, topic, { count: 1, timeoutMs: 60_000 });

    const snap = await createKafkaSinkAndSnapshot(s.db.url, s.db.name, s.config.topicPrefix, s.config.name);
    const all = await readTopic(kafkaFromInfra().bootstrap, topic, { count: 2, timeoutMs: 60_000 });
    const read = all.find((m) => m.headers.op === 'r')!;
    expect(snap).toBe(1);
    expect(read.key!.toString()).toBe(streamed!.key!.toString());
    expect(envelopeOf(read)!.after).toEqual(envelopeOf(streamed!)!.after);
    expect(envelopeOf(read)!.op).toBe('r');
    expect(envelopeOf(read)!.source.snapshot).toBe('last');
  } finally {
    await r.handle.stop('test done');
    await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
  }
});

async function createKafkaSinkAndSnapshot(url: string, database: string, prefix: string, name: string): Promise<number> {
  const sink = createKafkaSink(kafkaConfig(kafkaFromInfra().bootstrap, { partitions: 1 }), { logger: createMemoryLogger() });
  await sink.start();
  try {
    const result = await runSnapshot({
      url, snapshotName: null, consistentPoint: parseLsn('0/1000'), tables: [{ schema: 'public', table: 'mixed' }],
      parallelism: 1, chunkRows: 100, maxInFlightRecords: 100, progress: 'none', sink, logger: createMemoryLogger(),
      builder: new EnvelopeBuilder({ connectorName: name, topicPrefix: prefix, database, version: '0.0.0-test', options: ENVELOPE }),
    });
    return result.rows;
  } finally {
    await sink.stop();
  }
}

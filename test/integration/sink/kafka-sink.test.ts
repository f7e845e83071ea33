import { createKafkaSink } from '../../../connector/sink/kafka';
import type { Sink } from '../../../connector/sink/port';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { fastProduceRequests } from '../../../connector/sink/kafka/produce-request';
import { fetchMetadata } from '../../infra/kafka-metadata';
import { readTopic } from '../../infra/kafka-reader';
import { uniqueName } from '../../infra/names';
import { javaPartition } from '../../unit/sink/kafka/java-murmur2';
import { CODECS, storedBatches } from './kafka-log-segments';
import { kafkaConfig, keyedRecords, partitionCount as topicPartitions, seqOf, useSharedKafka } from './kafka-support';

jest.setTimeout(120_000);

// Against real Apache Kafka (the run's shared broker, see kafka-support.ts).
const shared = useSharedKafka();
const { sinks } = shared;

async function startedSink(over: Parameters<typeof kafkaConfig>[1] = {}): Promise<Sink> {
  const sink = createKafkaSink(kafkaConfig(shared.kafka.info.bootstrap, over), { logger: createMemoryLogger() });
  sinks.push(sink);
  await sink.start();
  return sink;
}

const partitionCount = (topic: string): Promise<number> => topicPartitions(shared.kafka.info.bootstrap, topic);

test('records arrive with key, value, headers and the walcast.id header; null keys and tombstones too', async () => {
  const sink = await startedSink();
  const topic = uniqueName('shop.public.orders');
  await sink.ensureTopics([topic]);
  const fastBefore = fastProduceRequests();
  await sink.publish([
    { topic, id: '0/16B3748:0', key: Buffer.from('{"id":1}'), value: Buffer.from('{"op":"c"}'), headers: { op: 'c' } },
    { topic, id: '0/16B3748:1', key: Buffer.from('{"id":1}'), value: null },
    { topic, id: '0/16B3748:2', key: null, value: Buffer.from('{"op":"m"}'), headers: { 'walcast.id': 'spoofed' } },
  ]);
  const got = await readTopic(shared.kafka.info.bootstrap, topic, { count: 3 });
  const byId = new Map(got.map((m) => [m.headers['walcast.id'], m]));
  expect(byId.get('0/16B3748:0')).toMatchObject({ key: Buffer.from('{"id":1}'), value: Buffer.from('{"op":"c"}'), headers: { op: 'c', 'walcast.id': '0/16B3748:0' } });
  expect(byId.get('0/16B3748:1')).toMatchObject({ key: Buffer.from('{"id":1}'), value: null });
  expect(byId.get('0/16B3748:2')).toMatchObject({ key: null, value: Buffer.from('{"op":"m"}') });
  expect(byId.get('0/16B3748:2')!.headers).toEqual({ 'walcast.id': '0/16B3748:2' });
  expect(got).toHaveLength(3);
  // The request went out through the sink's own encoder (produce-request.ts), not around it.
  expect(fastProduceRequests()).toBeGreaterThan(fastBefore);
});

test('ensureTopics creates missing topics with the configured partitions and tolerates existing ones', async () => {
  const sink = await startedSink({ partitions: 6 });
  const a = uniqueName('created_a');
  const b = uniqueName('created_b');
  await sink.ensureTopics([a]);
  await sink.ensureTopics([a, b, b]);
  expect(await partitionCount(a)).toBe(6);
  expect(await partitionCount(b)).toBe(6);
  // A second sink (another walcast instance) sees them as existing.
  const other = await startedSink({ partitions: 2 });
  await other.ensureTopics([a, b]);
  expect(await partitionCount(a)).toBe(6);
});

test('publish creates a topic it was not told about', async () => {
  const sink = await startedSink({ partitions: 4 });
  const topic = uniqueName('lazy');
  await sink.publish(keyedRecords(topic, 5));
  expect(await partitionCount(topic)).toBe(4);
  expect(await readTopic(shared.kafka.info.bootstrap, topic, { count: 5 })).toHaveLength(5);
});

test('with createTopics false, missing topics fail with SINK_SETUP naming them', async () => {
  const sink = await startedSink({ createTopics: false });
  const missing1 = uniqueName('missing1');
  const missing2 = uniqueName('missing2');
  await expect(sink.ensureTopics([missing1, missing2])).rejects.toMatchObject({
    code: 'SINK_SETUP',
    message: expect.stringContaining(`${missing1}, ${missing2}`),
  });
  await expect(sink.publish(keyedRecords(missing1, 1))).rejects.toMatchObject({ code: 'SINK_SETUP' });
  await expect(sink.publish(keyedRecords(missing1, 1))).rejects.toMatchObject({ code: 'SINK_SETUP' });
});

test('per-key order holds across many concurrent publish calls; partitions match the Java client', async () => {
  const sink = await startedSink({ partitions: 5, batchMaxRecords: 64 });
  const topic = uniqueName('order');
  const keys = 23;
  const all = keyedRecords(topic, 3000, { keys });
  // 60 overlapping calls of uneven size, all started before any resolves.
  const calls: Promise<void>[] = [];
  for (let at = 0, n = 1; at < all.length; at += n, n = (n * 7) % 97 + 1) calls.push(sink.publish(all.slice(at, at + n)));
  await Promise.all(calls);

  const got = await readTopic(shared.kafka.info.bootstrap, topic, { count: all.length });
  expect(got).toHaveLength(all.length);
  const lastSeq = new Map<number, number>();
  for (const m of got) {
    const { key, seq } = seqOf(m.value);
    expect(m.partition).toBe(javaPartition(m.key!, 5));
    expect(seq).toBe((lastSeq.get(key) ?? -1) + 1);
    lastSeq.set(key, seq);
  }
  expect(new Set(got.map((m) => m.partition)).size).toBe(5);
});

test('the producer is idempotent: every stored batch carries its producer id and contiguous sequence numbers', async () => {
  const sink = await startedSink({ partitions: 1, batchMaxRecords: 40 });
  const topic = uniqueName('idem');
  await Promise.all([sink.publish(keyedRecords(topic, 100)), sink.publish(keyedRecords(topic, 100, { from: 100 }))]);
  await readTopic(shared.kafka.info.bootstrap, topic, { count: 200 });
  const batches = await storedBatches(shared.kafka.info.dir, 1, topic, 0); // one broker: node 1
  expect(batches.reduce((n, b) => n + b.records, 0)).toBe(200);
  expect(batches.length).toBeGreaterThanOrEqual(5); // 40 records per produce request at most
  const producerIds = new Set(batches.map((b) => b.producerId));
  expect(producerIds.size).toBe(1);
  expect([...producerIds][0]).toBeGreaterThanOrEqual(0n); // -1 = not idempotent
  let next = 0;
  for (const b of batches) {
    expect(b.baseSequence).toBe(next); // -1 = not idempotent
    next += b.records;
  }
});

test.each(CODECS)('compression %s: the broker stores batches with that codec; records round-trip', async (codec) => {
  const sink = await startedSink({ compression: codec, partitions: 1 });
  const topic = uniqueName(`codec_${codec}`);
  // Debezium-like, compressible values of ~450 B.
  const records = keyedRecords(topic, 200).map((r, i) => ({
    ...r,
    value: Buffer.from(JSON.stringify({ before: null, after: { id: i, name: 'customer name '.repeat(10), note: 'x'.repeat(200) }, i })),
  }));
  const fastBefore = fastProduceRequests();
  await sink.publish(records);
  // Every codec but gzip (which the library compresses off the event loop) is written by walcast's encoder.
  if (codec === 'gzip') expect(fastProduceRequests()).toBe(fastBefore);
  else expect(fastProduceRequests()).toBeGreaterThan(fastBefore);
  const got = await readTopic(shared.kafka.info.bootstrap, topic, { count: 200 });
  expect(got.map((m) => m.value!.toString())).toEqual(records.map((r) => r.value.toString()));
  const batches = await storedBatches(shared.kafka.info.dir, 1, topic, 0); // one broker: node 1
  expect(new Set(batches.map((b) => b.codec))).toEqual(new Set([codec]));
  const stored = batches.reduce((n, b) => n + b.bytes, 0);
  const raw = records.reduce((n, r) => n + r.value.length, 0);
  if (codec === 'none') expect(stored).toBeGreaterThan(raw);
  else expect(stored).toBeLessThan(raw / 3);
});

test('topics are created with the configured replication factor and topic configs (max.message.bytes enforced)', async () => {
  const sink = await startedSink({ partitions: 2, topicConfig: ['max.message.bytes=2000', 'cleanup.policy=compact'] });
  const topic = uniqueName('configs');
  await sink.ensureTopics([topic]);
  const [host, port] = shared.kafka.info.bootstrap.split(',')[0].split(':');
  const meta = (await fetchMetadata(host, Number(port), [topic])).topics[0];
  expect(meta.partitions.map((p) => p.replicas.length)).toEqual([1, 1]);
  await sink.publish(keyedRecords(topic, 3));
  // A batch over the topic's max.message.bytes is refused for good: a permanent SINK_SEND.
  const big = { ...keyedRecords(topic, 1, { from: 3 })[0], value: Buffer.alloc(5000, 'x') };
  await expect(sink.publish([big])).rejects.toMatchObject({ code: 'SINK_SEND', retriable: false, message: expect.stringContaining('this one record is over the topic\'s max.message.bytes') });
  expect(await readTopic(shared.kafka.info.bootstrap, topic)).toHaveLength(3);
});

test('a publish larger than the broker takes in one record batch is cut by bytes, not refused', async () => {
  // 1,000 records of 2 KB: within batchMaxRecords, but one 2 MB batch is over the broker's
  // message.max.bytes (1 MB by default), which would refuse it for good (MESSAGE_TOO_LARGE).
  const sink = await startedSink({ partitions: 1 });
  const topic = uniqueName('bytes');
  const records = keyedRecords(topic, 1000).map((r) => ({ ...r, value: Buffer.alloc(2048, 'v') }));
  await sink.publish(records);
  expect(await readTopic(shared.kafka.info.bootstrap, topic, { count: 1000 })).toHaveLength(1000);
});

test('batches stay under a max.message.bytes given in topicConfig', async () => {
  const sink = await startedSink({ partitions: 1, topicConfig: ['max.message.bytes=20000'] });
  const topic = uniqueName('bytes_topic');
  await sink.publish(keyedRecords(topic, 100).map((r) => ({ ...r, value: Buffer.alloc(1000, 'v') })));
  expect(await readTopic(shared.kafka.info.bootstrap, topic, { count: 100 })).toHaveLength(100);
});

test('a replication factor the cluster cannot meet fails with SINK_SETUP naming the topic', async () => {
  const sink = await startedSink({ replicationFactor: 3 });
  const topic = uniqueName('rf3');
  await expect(sink.ensureTopics([topic])).rejects.toMatchObject({
    code: 'SINK_SETUP',
    message: expect.stringMatching(new RegExp(`${topic}.*(INVALID_REPLICATION_FACTOR|replication factor)`, 'is')),
  });
});

test('lifecycle: publish before start is a STATE error; after stop it is SINK_SEND; stop is idempotent', async () => {
  const sink = createKafkaSink(kafkaConfig(shared.kafka.info.bootstrap), { logger: createMemoryLogger() });
  await expect(sink.publish(keyedRecords('x', 1))).rejects.toMatchObject({ code: 'STATE' });
  await sink.start();
  await expect(sink.start()).rejects.toMatchObject({ code: 'STATE' });
  const topic = uniqueName('life');
  const inFlight = sink.publish(keyedRecords(topic, 10));
  await sink.stop();
  await expect(inFlight).resolves.toBeUndefined(); // stop flushes what was handed over
  await expect(sink.publish(keyedRecords(topic, 1))).rejects.toMatchObject({ code: 'SINK_SEND' });
  await sink.stop();
});

test('start fails with SINK_CONNECT when no broker answers', async () => {
  const sink = createKafkaSink(kafkaConfig('127.0.0.1:1'), {
    logger: createMemoryLogger(),
    retry: { retries: 1, initialRetryTimeMs: 20, maxRetryTimeMs: 50 },
  });
  await expect(sink.start()).rejects.toMatchObject({ code: 'SINK_CONNECT' });
});

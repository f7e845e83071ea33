/**
 * The topic reader of the re-snapshot's delete pass against real Kafka: every committed record
 * below the ends, in offset order per partition, with key, value (tombstones null) and the op
 * header; nothing appended after the ends; an empty partition and a partition whose last
 * offsets are transaction markers of an aborted transaction still finish (read_committed: the
 * aborted records are not delivered).
 */
import { Producer } from '@platformatic/kafka';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { createKafkaSink } from '../../../connector/sink/kafka';
import { readTopicUpTo, topicEnds, type TopicRecord } from '../../../connector/sink/kafka/topic-reader';
import { uniqueName } from '../../infra/names';
import { kafkaConfig, sharedKafka } from './kafka-support';

jest.setTimeout(120_000);

let kafka: Awaited<ReturnType<typeof sharedKafka>>;
beforeAll(async () => { kafka = await sharedKafka(); });
afterAll(async () => { await kafka?.stop(); });

/** A started walcast sink, a transactional producer of its own and a fresh topic of `partitions`. */
async function setup(partitions: number, name: string) {
  const config = kafkaConfig(kafka.info.bootstrap, { partitions });
  const topic = uniqueName(name).replace(/_/g, '-');
  const sink = createKafkaSink(config, { logger: createMemoryLogger() });
  await sink.start();
  const producer = new Producer<Buffer, Buffer, string, string>({
    clientId: `walcast-it-${name}`, bootstrapBrokers: [...config.brokers], idempotent: true, transactionalId: uniqueName('tx'), retries: 3,
  });
  return { config, topic, sink, producer };
}

test('reads every committed record below the ends, then stops', async () => {
  const { config, topic, sink, producer } = await setup(3, 'keys');
  try {
    await sink.ensureTopics([topic]);
    // Partitions 0 and 1 get records (1 with tombstones), 2 stays empty.
    const records = Array.from({ length: 40 }, (_, i) => ({
      topic, id: `r${i}`, key: Buffer.from(`{"id":${i % 10}}`),
      value: i % 7 === 6 ? null : Buffer.from(`{"op":"c","n":${i}}`), headers: { op: i % 7 === 6 ? 'd' : 'c' },
    }));
    await sink.publish(records); // partitioned by key (Java murmur2)
    // An aborted transaction on partition 0: its records and markers end that partition.
    const tx = await producer.beginTransaction();
    await tx.send({ messages: [{ topic, partition: 0, key: Buffer.from('aborted'), value: Buffer.from('x') }] });
    await tx.abort();
    const ends = (await topicEnds(config, [topic])).get(topic)!;
    expect(ends).toHaveLength(3);
    // Appended after the ends were taken: never delivered.
    await sink.publish([{ topic, id: 'late', key: Buffer.from('{"id":1}'), value: Buffer.from('{"op":"u"}'), headers: { op: 'u' } }]);

    const got: TopicRecord[] = [];
    const n = await readTopicUpTo({ kafka: config, topic, ends, onRecord: (r) => { got.push(r); }, stallMs: 20_000 });
    expect(n).toBe(40);
    expect(got.some((r) => r.key?.toString() === 'aborted')).toBe(false);
    expect(got.some((r) => r.op === 'u')).toBe(false);
    for (const p of [0, 1, 2]) {
      const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
      expect([...offsets].sort((a, b) => (a < b ? -1 : 1))).toEqual(offsets);
    }
    const byN = new Map(got.filter((r) => r.value).map((r) => [JSON.parse(r.value!.toString()).n as number, r]));
    expect(byN.size).toBe(40 - 5);
    expect(got.filter((r) => r.value === null).every((r) => r.op === 'd')).toBe(true);

    // An async onRecord pauses the read; the result is the same.
    const slow: TopicRecord[] = [];
    await readTopicUpTo({ kafka: config, topic, ends, onRecord: async (r) => { slow.push(r); await new Promise((res) => setImmediate(res)); } });
    const ids = (rs: TopicRecord[]) => rs.map((r) => `${r.partition}:${r.offset}`).sort();
    expect(ids(slow)).toEqual(ids(got));
  } finally {
    await producer.close().catch(() => undefined);
    await sink.stop();
  }
});

test('delivers no record of two aborted transactions of one producer in a row (the library stream lets the first through)', async () => {
  const { config, topic, sink, producer } = await setup(1, 'aborts');
  try {
    await sink.ensureTopics([topic]);
    await sink.publish([{ topic, id: 'c0', key: Buffer.from('{"id":0}'), value: Buffer.from('{"n":0}'), headers: { op: 'c' } }]);
    for (const round of [1, 2]) {
      const tx = await producer.beginTransaction();
      await tx.send({ messages: [{ topic, partition: 0, key: Buffer.from(`aborted-${round}`), value: Buffer.from('x') }] });
      await tx.abort();
    }
    await sink.publish([{ topic, id: 'c1', key: Buffer.from('{"id":1}'), value: Buffer.from('{"n":1}'), headers: { op: 'c' } }]);
    const ends = (await topicEnds(config, [topic])).get(topic)!;
    const got: TopicRecord[] = [];
    const n = await readTopicUpTo({ kafka: config, topic, ends, onRecord: (r) => { got.push(r); }, stallMs: 20_000 });
    expect(got.map((r) => r.key?.toString())).toEqual(['{"id":0}', '{"id":1}']);
    expect(n).toBe(2);
  } finally {
    await producer.close().catch(() => undefined);
    await sink.stop();
  }
});

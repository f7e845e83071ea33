/**
 * The read_committed reader of exactly-once starts (committed-reader.ts) against real Kafka, on
 * the log that made an exactly-once start read a stale offset: one transactional.id (hence one
 * producer id) with an aborted transaction, committed ones, then an abort marker without records
 * of its own (the transaction added the partition and was aborted before writing to it, as when
 * walcast is killed between AddPartitionsToTxn and the offset record's produce). Kafka's Java
 * read_committed consumer is the oracle.
 */
import { Admin, Consumer, FetchIsolationLevels, IS_CONTROL, Producer } from '@platformatic/kafka';
import { readCommitted, readLastValue } from '../../../connector/sink/kafka/committed-reader';
import { readCommittedJava } from '../../infra/kafka-committed';
import { uniqueName } from '../../infra/names';
import { sharedKafka } from './kafka-support';

jest.setTimeout(120_000);

let kafka: Awaited<ReturnType<typeof sharedKafka>>;
beforeAll(async () => { kafka = await sharedKafka(); });
afterAll(async () => { await kafka?.stop(); });

const client = (): { clientId: string; bootstrapBrokers: string[] } => ({ clientId: 'walcast-it-committed', bootstrapBrokers: kafka.info.bootstrap.split(',') });

/** Values of the data records the library's own read_committed fetch returns from offset 0 (its filter applied). */
async function libraryFiltered(topic: string): Promise<string[]> {
  const consumer = new Consumer({ ...client(), groupId: uniqueName('lib-filter'), autocommit: false });
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const t = metadata.topics.get(topic)!;
    const response = await consumer.fetch({
      node: t.partitions[0]!.leader,
      topics: [{ topicId: t.id, partitions: [{ partition: 0, fetchOffset: 0n, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
      isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 100, minBytes: 1, maxBytes: 1 << 20,
    });
    const batches = response.responses[0]?.partitions[0]?.records ?? [];
    return batches.filter((b) => (b.attributes & IS_CONTROL) === 0).flatMap((b) => b.records.map((r) => r.value?.toString() ?? ''));
  } finally {
    await consumer.close(true);
  }
}

test('an abort marker without records of its own keeps the committed transactions before it (the library\'s filter drops them)', async () => {
  const topic = uniqueName('committed-reader').replace(/_/g, '-');
  const admin = new Admin(client());
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    ...client(), idempotent: true, transactionalId: uniqueName('tx'), retries: 3,
  });
  try {
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    const key = Buffer.from('connector');
    const send = async (values: string[], end: 'commit' | 'abort'): Promise<void> => {
      const tx = await producer.beginTransaction();
      await tx.send({ messages: values.map((v) => ({ topic, partition: 0, key, value: Buffer.from(v) })) });
      await (end === 'commit' ? tx.commit() : tx.abort());
    };
    await send(['aborted-1'], 'abort');
    await send(['committed-1', 'committed-2'], 'commit');
    await send(['committed-3'], 'commit');
    // A transaction that adds the partition and writes nothing to it: its abort marker is the
    // partition's only trace of it, and the broker lists no aborted transaction for it.
    const lone = await producer.beginTransaction();
    await lone.addPartitions(await producer.metadata({ topics: [topic] }), [{ topic, partition: 0, key, value: Buffer.alloc(0) }]);
    await lone.abort();

    const java = (await readCommittedJava(kafka.info.bootstrap, [topic])).map((m) => m.value!.toString());
    expect(java).toEqual(['committed-1', 'committed-2', 'committed-3']);
    // The library's filter takes the range from the last listed aborted transaction to the last
    // abort marker: the committed transactions in between are gone (what raw-fetch.ts avoids).
    // This shows the log reproduces the library's fault; a library version that fixes its filter
    // fails here, and raw-fetch.ts may then go.
    expect(await libraryFiltered(topic)).toEqual([]);

    const seen: string[] = [];
    await readCommitted(client(), topic, 0, (r) => { seen.push(r.value!.toString()); }, { stallMs: 30_000 });
    expect(seen).toEqual(java);
    expect((await readLastValue(client(), topic, 'connector', 30_000))?.toString()).toBe('committed-3');
  } finally {
    await producer.close().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
});

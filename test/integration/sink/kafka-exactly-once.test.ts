/**
 * The exactly-once Kafka sink against real Apache Kafka: transactions committed at checkpoints
 * with the offset record, the offset read back read_committed by the next producer, fencing of
 * an earlier producer of the same transactional.id, and the abort of what it left open. What a
 * read_committed consumer sees is read by Kafka's own Java consumer (infra/kafka-committed.ts).
 */
import { Producer } from '@platformatic/kafka';
import { createKafkaSink } from '../../../connector/sink/kafka';
import { initTransactions, offsetKeyOf } from '../../../connector/sink/kafka/transactions';
import type { Sink } from '../../../connector/sink/port';
import type { SinkRecord } from '../../../connector/model/record';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { lsn } from '../../../connector/protocol/lsn';
import { readCommittedJava } from '../../infra/kafka-committed';
import { uniqueName } from '../../infra/names';
import type { KafkaOptions } from '../../../connector/sink/kafka/options';
import { kafkaConfig, useSharedKafka } from './kafka-support';

jest.setTimeout(120_000);

const shared = useSharedKafka();
const { sinks } = shared;

function eosSink(transactionalId: string, offsetsTopic: string, over: Partial<KafkaOptions> = {}): Sink {
  const sink = createKafkaSink(kafkaConfig(shared.kafka.info.bootstrap, { partitions: 2, ...over }), {
    logger: createMemoryLogger(),
    exactlyOnce: { transactionalId, offsetsTopic, offsetKey: offsetKeyOf('eos'), slot: 'walcast_eos' },
    retry: { retries: 2, initialRetryTimeMs: 50, maxRetryTimeMs: 200 },
  });
  sinks.push(sink);
  return sink;
}

const rec = (topic: string, n: number): SinkRecord => ({ topic, id: `0/${n}:0`, key: Buffer.from(`{"id":${n % 5}}`), value: Buffer.from(`{"n":${n}}`) });
const at = (commit: number) => ({ lsn: { commitLsn: lsn(commit), endLsn: lsn(commit + 8) } });

test('a second producer of the transactional.id fences the first, aborts what it left open and reads the committed offset', async () => {
  const topic = uniqueName('eos.public.t');
  const offsets = uniqueName('eos_state');
  const txId = uniqueName('txid');
  const a = eosSink(txId, offsets);
  await a.start();
  expect(a.committedOffset?.()).toBeNull();
  await a.ensureTopics([topic]);
  await a.publish([rec(topic, 1), rec(topic, 2), rec(topic, 3)], at(100));
  // Sent inside an open transaction, never committed.
  await a.publish([rec(topic, 4), rec(topic, 5)]);

  const b = eosSink(txId, offsets);
  await b.start();
  expect(b.committedOffset?.()).toEqual({ commitLsn: lsn(100), endLsn: lsn(108) });
  await b.ensureTopics([topic]);

  const fenced = a.publish([rec(topic, 6)], at(200));
  await expect(fenced).rejects.toMatchObject({ code: 'SINK_FENCED', retriable: false });
  await expect(fenced).rejects.toThrow(`another producer initialised transactional.id "${txId}"`);

  await b.publish([rec(topic, 7)], at(300));
  const seen = await readCommittedJava(shared.kafka.info.bootstrap, [topic]);
  expect(seen.map((m) => JSON.parse(m.value!.toString()).n).sort()).toEqual([1, 2, 3, 7]);

  const c = eosSink(txId, offsets);
  await c.start();
  expect(c.committedOffset?.()).toEqual({ commitLsn: lsn(300), endLsn: lsn(308) });
});

test('another connector\'s transaction left open on the shared offsets topic does not hide a later committed offset: the start waits for it', async () => {
  const topic = uniqueName('eos.public.shared');
  const offsets = uniqueName('eos_state');
  const txId = uniqueName('txid');
  const a = eosSink(txId, offsets);
  await a.start();
  await a.ensureTopics([topic]);
  await a.publish([rec(topic, 1)], at(100));
  // Connector "other" (its own transactional.id, the same offsets topic) sends its offset record
  // and is killed before its commit: its transaction holds partition 0's last stable offset.
  const other = new Producer({ clientId: 'other-connector', bootstrapBrokers: [shared.kafka.info.bootstrap], idempotent: true, transactionalId: uniqueName('other') });
  try {
    await initTransactions(other);
    const open = await other.beginTransaction();
    await open.send({ messages: [{ topic: offsets, partition: 0, key: Buffer.from('other.offset'), value: Buffer.from('{"version":1}') }] });
    // Ours commits after it: its offset record lies beyond the stable offset.
    await a.publish([rec(topic, 2)], at(200));
    // A restart of ours reads the offset while the other transaction is open.
    // The other transaction ends a second later (its restart's InitProducerId, or its timeout).
    let ended = false;
    const ending = new Promise<void>((resolve, reject) => {
      setTimeout(() => { open.abort().then(() => { ended = true; resolve(); }, reject); }, 1000);
    });
    const b = eosSink(txId, offsets);
    await b.start();
    const read = b.committedOffset?.();
    const endedFirst = ended;
    await ending;
    // Not 100: the commit at 200 is what Kafka holds; a stale read would send it again.
    expect(read).toEqual({ commitLsn: lsn(200), endLsn: lsn(208) });
    expect(endedFirst).toBe(true);
  } finally {
    await other.close(true).catch(() => undefined);
  }
});

test('a unit larger than a batch is one transaction: nothing of it is visible before its checkpoint commits', async () => {
  const topic = uniqueName('eos.public.big');
  const offsets = uniqueName('eos_state');
  const sink = eosSink(uniqueName('txid'), offsets, { batchMaxRecords: 100 });
  await sink.start();
  await sink.ensureTopics([topic]);
  const first = Array.from({ length: 250 }, (_, i) => rec(topic, i));
  await sink.publish(first); // pieces, acked as sent, in the open transaction
  expect(await readCommittedJava(shared.kafka.info.bootstrap, [topic])).toHaveLength(0);
  await sink.publish([rec(topic, 250)], at(500));
  const seen = await readCommittedJava(shared.kafka.info.bootstrap, [topic]);
  expect(seen).toHaveLength(251);
  expect(new Set(seen.map((m) => m.id)).size).toBe(251);
  // The offset record is committed with them (read_committed, Java consumer).
  const state = await readCommittedJava(shared.kafka.info.bootstrap, [offsets]);
  expect(state.map((m) => JSON.parse(m.value!.toString()))).toEqual([expect.objectContaining({ version: 1, slot: 'walcast_eos', commitLsn: '0/1F4', endLsn: '0/1FC' })]);
});

test('the transaction timeout is sink.kafka.transactionTimeoutMs: above the broker\'s maximum, the start says so', async () => {
  // The broker's transaction.max.timeout.ms is 900000 by default; the request timeout (10 s here)
  // would be accepted, so a refusal proves the configured value is what InitProducerId carried.
  const sink = eosSink(uniqueName('txid_timeout'), uniqueName('eos_state'), { transactionTimeoutMs: 900_001 });
  await expect(sink.start()).rejects.toMatchObject({
    code: 'SINK_CONNECT',
    retriable: false,
    message: expect.stringContaining('sink.kafka.transactionTimeoutMs 900001 is above the broker\'s transaction.max.timeout.ms'),
  });
});

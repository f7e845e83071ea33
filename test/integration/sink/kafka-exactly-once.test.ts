/**
 * The exactly-once Kafka sink against real Apache Kafka: transactions committed at checkpoints
 * with the offset record, the offset read back read_committed by the next producer, fencing of
 * an earlier producer of the same transactional.id, and the abort of what it left open. What a
 * read_committed consumer sees is read by Kafka's own Java consumer (infra/kafka-committed.ts).
 */
import { createKafkaSink } from '../../../connector/sink/kafka';
import { offsetKeyOf } from '../../../connector/sink/kafka/transactions';
import type { Sink } from '../../../connector/sink/port';
import type { SinkRecord } from '../../../connector/model/record';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { lsn } from '../../../connector/protocol/lsn';
import { readCommittedJava } from '../../infra/kafka-committed';
import { uniqueName } from '../../infra/names';
import { kafkaConfig, useSharedKafka } from './kafka-support';

jest.setTimeout(120_000);

const shared = useSharedKafka();
const { sinks } = shared;

function eosSink(transactionalId: string, offsetsTopic: string, batchMaxRecords = 1000): Sink {
  const sink = createKafkaSink(kafkaConfig(shared.kafka.info.bootstrap, { partitions: 2, batchMaxRecords }), {
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

test('a unit larger than a batch is one transaction: nothing of it is visible before its checkpoint commits', async () => {
  const topic = uniqueName('eos.public.big');
  const offsets = uniqueName('eos_state');
  const sink = eosSink(uniqueName('txid'), offsets, 100);
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

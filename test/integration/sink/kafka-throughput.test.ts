import { createKafkaSink } from '../../../connector/sink/kafka';
import type { SinkRecord } from '../../../connector/model/record';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { uniqueName } from '../../infra/names';
import { kafkaConfig, sharedKafka, storedCount } from './kafka-support';

// The project-level testTimeout in jest.config.js is ignored by jest 29 (per-project option).
jest.setTimeout(120_000);

// Throughput of small records to real Apache Kafka (the run's shared broker), publishing like
// the pipeline does: calls of a few hundred records, many outstanding. Prints records/s; asserts a floor well below the measured
// rate (the machine is shared) so the test catches regressions of the batching, not noise.
const TOTAL = Number(process.env.WALCAST_KAFKA_BENCH_RECORDS ?? 200_000);
const CALL = 500;
const OUTSTANDING = 40;

let kafka: Awaited<ReturnType<typeof sharedKafka>>;
beforeAll(async () => {
  kafka = await sharedKafka();
});
afterAll(async () => {
  await kafka?.stop();
});

function record(topic: string, i: number): SinkRecord {
  return {
    topic,
    id: `0/${(0x100000 + i).toString(16).toUpperCase()}:${i % 10}`,
    key: Buffer.from(`{"id":${i % 5000}}`),
    value: Buffer.from(`{"before":null,"after":{"id":${i % 5000},"status":"new","n":${i}},"op":"c"}`),
    headers: { op: 'c' },
  };
}

test.each([1000, 5000])('small records, batchMaxRecords %i', async (batchMaxRecords) => {
  const sink = createKafkaSink(kafkaConfig(kafka.info.bootstrap, { partitions: 8, batchMaxRecords }), { logger: createMemoryLogger() });
  await sink.start();
  const topic = uniqueName('bench');
  await sink.ensureTopics([topic]);
  try {
    const started = process.hrtime.bigint();
    const outstanding = new Set<Promise<void>>();
    for (let at = 0; at < TOTAL; at += CALL) {
      const batch: SinkRecord[] = [];
      for (let i = at; i < Math.min(TOTAL, at + CALL); i++) batch.push(record(topic, i));
      const p: Promise<void> = sink.publish(batch).finally(() => outstanding.delete(p));
      outstanding.add(p);
      if (outstanding.size >= OUTSTANDING) await Promise.race(outstanding);
    }
    await Promise.all(outstanding);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = Math.round(TOTAL / seconds);
    process.stderr.write(`[kafka sink throughput] batchMaxRecords=${batchMaxRecords}: ${TOTAL} records in ${seconds.toFixed(2)} s = ${rate} records/s\n`);
    expect(await storedCount(kafka.info.bootstrap, topic)).toBe(TOTAL);
    expect(rate).toBeGreaterThan(5_000);
  } finally {
    await sink.stop();
  }
});

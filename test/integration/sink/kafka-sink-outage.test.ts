import { createKafkaSink } from '../../../connector/sink/kafka';
import type { Sink } from '../../../connector/sink/port';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { readTopic } from '../../infra/kafka';
import { KafkaClusterHandle, startKafka } from '../../infra/kafka-broker';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';
import { kafkaConfig, keyedRecords, seqOf } from './kafka-support';

jest.setTimeout(240_000);

// Broker outages on real Apache Kafka: the broker JVM is killed (SIGKILL, like a crash) and
// started again on the same ports and data. A broker of this file's own: the outage must not hit
// other test files. (Faults a real broker cannot produce on demand: kafka-sink-faults.test.ts.)
let kafka: KafkaClusterHandle;
const sinks: Sink[] = [];
const broker = () => kafka.nodes[0];

beforeAll(async () => {
  kafka = await startKafka();
});
afterEach(async () => {
  await broker().start();
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await kafka?.stop();
});

async function startedSink(retries: number): Promise<{ sink: Sink; logs: ReturnType<typeof createMemoryLogger> }> {
  const logs = createMemoryLogger();
  const sink = createKafkaSink(kafkaConfig(kafka.info.bootstrap, { requestTimeoutMs: 2_000 }), {
    logger: logs,
    retry: { retries, initialRetryTimeMs: 50, maxRetryTimeMs: 400 },
    deliveryTimeoutMs: 120_000,
    stopFlushTimeoutMs: 100,
  });
  sinks.push(sink);
  await sink.start();
  return { sink, logs };
}

test('a broker crash shorter than the retry budget is ridden out: publish resolves, every record stored once', async () => {
  // 150 retries of at most 400 ms: about a minute, more than a restart takes on a busy machine.
  const { sink } = await startedSink(150);
  const topic = uniqueName('blip');
  await sink.ensureTopics([topic]);
  await sink.publish(keyedRecords(topic, 10));
  await broker().kill();
  const during = sink.publish(keyedRecords(topic, 10, { from: 10 }));
  let settled = false;
  void during.finally(() => (settled = true)).catch(() => undefined);
  // It cannot be acked while the broker is down.
  await expect(waitFor(() => settled, { timeoutMs: 300 })).rejects.toThrow(/timed out/);
  await broker().start();
  await during;
  const got = await readTopic(kafka.info.bootstrap, topic, { count: 20 });
  expect(got.map((m) => seqOf(m.value).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test('a longer outage rejects with SINK_SEND (topic in context); the sink stays failed; nothing acked is missing', async () => {
  const { sink, logs } = await startedSink(2);
  const topic = uniqueName('outage');
  await sink.ensureTopics([topic]);
  const acked: number[] = [];
  const track = (from: number, n: number) =>
    sink.publish(keyedRecords(topic, n, { from })).then(() => {
      for (let i = from; i < from + n; i++) acked.push(i);
    });
  await track(0, 20);
  await broker().kill();
  const results = await Promise.allSettled([track(20, 20), track(40, 20), track(60, 20)]);
  for (const r of results) {
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'SINK_SEND', retriable: true, context: { topic } } });
  }
  await broker().start();
  await expect(sink.publish(keyedRecords(topic, 1, { from: 99 }))).rejects.toMatchObject({ code: 'SINK_SEND' });
  expect(logs.entries.some((e) => e.level === 'error' && e.msg.includes('Kafka send failed'))).toBe(true);

  const stored = new Set((await readTopic(kafka.info.bootstrap, topic)).map((m) => seqOf(m.value).i));
  for (const i of acked) expect(stored.has(i)).toBe(true);
  expect(acked).toHaveLength(20);
});

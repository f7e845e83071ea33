import { createKafkaSink } from '../../../connector/sink/kafka';
import type { Sink } from '../../../connector/sink/port';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { KafkaErrorCode, KafkaMockHandle, kafkaControl, readTopic, startKafkaMock } from '../../infra/kafka';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';
import { kafkaConfig, keyedRecords, seqOf } from './kafka-support';

// The project-level testTimeout in jest.config.js is ignored by jest 29 (per-project option).
jest.setTimeout(120_000);

// Fault injection needs a mock of its own: a broker outage must not hit other test files.
let mock: KafkaMockHandle;
const sinks: Sink[] = [];
const ctl = () => kafkaControl(mock.info.controlPort);

beforeAll(async () => {
  mock = await startKafkaMock({ brokers: 1 });
});
afterEach(async () => {
  await ctl().brokerUp('all');
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await mock?.stop();
});

async function startedSink(retries: number, deliveryTimeoutMs = 60_000): Promise<{ sink: Sink; logs: ReturnType<typeof createMemoryLogger> }> {
  const logs = createMemoryLogger();
  const sink = createKafkaSink(kafkaConfig(mock.info.bootstrap, { requestTimeoutMs: 2_000 }), {
    logger: logs,
    retry: { retries, initialRetryTimeMs: 50, maxRetryTimeMs: 400 },
    deliveryTimeoutMs,
    stopFlushTimeoutMs: 100,
  });
  sinks.push(sink);
  await sink.start();
  return { sink, logs };
}

test('an outage shorter than the retry budget is ridden out: publish resolves, every record stored once', async () => {
  const { sink } = await startedSink(30);
  const topic = uniqueName('blip');
  await sink.ensureTopics([topic]);
  await sink.publish(keyedRecords(topic, 10));
  await ctl().brokerDown(0);
  const during = sink.publish(keyedRecords(topic, 10, { from: 10 }));
  let settled = false;
  void during.finally(() => (settled = true)).catch(() => undefined);
  // It cannot be acked while the broker is down.
  await expect(waitFor(() => settled, { timeoutMs: 300 })).rejects.toThrow(/timed out/);
  await ctl().brokerUp(0);
  await during;
  const got = await readTopic(mock.info.bootstrap, topic, { count: 20 });
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
  await ctl().brokerDown(0);
  const results = await Promise.allSettled([track(20, 20), track(40, 20), track(60, 20)]);
  for (const r of results) {
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'SINK_SEND', retriable: true, context: { topic } } });
  }
  await ctl().brokerUp(0);
  await expect(sink.publish(keyedRecords(topic, 1, { from: 99 }))).rejects.toMatchObject({ code: 'SINK_SEND' });
  expect(logs.entries.some((e) => e.level === 'error' && e.msg.includes('Kafka send failed'))).toBe(true);

  const stored = new Set((await readTopic(mock.info.bootstrap, topic)).map((m) => seqOf(m.value).i));
  for (const i of acked) expect(stored.has(i)).toBe(true);
  expect(acked).toHaveLength(20);
});

test('a broker that stops answering (huge RTT) fails the batch within deliveryTimeoutMs', async () => {
  const { sink } = await startedSink(30, 1_500);
  const topic = uniqueName('slow');
  await sink.ensureTopics([topic]);
  await ctl().setRtt(0, 20_000);
  const started = Date.now();
  await expect(sink.publish(keyedRecords(topic, 5))).rejects.toMatchObject({ code: 'SINK_SEND', context: { timedOut: true } });
  expect(Date.now() - started).toBeLessThan(5_000);
  await ctl().setRtt(0, 0);
});

test('retriable produce errors are retried transparently; records stored once, in order', async () => {
  const { sink } = await startedSink(10);
  const topic = uniqueName('retriable');
  await sink.ensureTopics([topic]);
  await sink.publish(keyedRecords(topic, 5));
  await ctl().produceErrors(3, KafkaErrorCode.NOT_LEADER_FOR_PARTITION);
  await sink.publish(keyedRecords(topic, 30, { from: 5 }));
  const got = await readTopic(mock.info.bootstrap, topic, { count: 35 });
  await expect(readTopic(mock.info.bootstrap, topic, { count: 36, timeoutMs: 500 })).rejects.toThrow(/timed out/);
  const perKey = new Map<number, number[]>();
  for (const m of got) perKey.set(seqOf(m.value).key, [...(perKey.get(seqOf(m.value).key) ?? []), seqOf(m.value).seq]);
  for (const seqs of perKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
});

test('a non-retriable produce error surfaces at once as a permanent SINK_SEND', async () => {
  const { sink } = await startedSink(10);
  const topic = uniqueName('denied');
  await sink.ensureTopics([topic]);
  await ctl().produceErrors(1, KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const started = Date.now();
  await expect(sink.publish(keyedRecords(topic, 3))).rejects.toMatchObject({ code: 'SINK_SEND', retriable: false });
  expect(Date.now() - started).toBeLessThan(2_000);
  await expect(sink.publish(keyedRecords(topic, 1))).rejects.toMatchObject({ code: 'SINK_SEND' });
});

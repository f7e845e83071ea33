import { createKafkaSink } from '../../../connector/sink/kafka';
import type { Sink } from '../../../connector/sink/port';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { KafkaErrorCode, KafkaMockHandle, kafkaControl, readTopic, startKafkaMock } from '../../infra/kafka';
import { uniqueName } from '../../infra/names';
import { kafkaConfig, keyedRecords, seqOf } from './kafka-support';

// The project-level testTimeout in jest.config.js is ignored by jest 29 (per-project option).
jest.setTimeout(120_000);

// Faults real Apache Kafka cannot produce on demand, so these run on librdkafka's mock cluster
// (test/infra/kafka-mock): a broker that answers but only after 20 s (added RTT), and Produce
// requests failing with a chosen error code (NOT_LEADER_FOR_PARTITION, TOPIC_AUTHORIZATION_FAILED).
// Broker outages run on a real broker: kafka-sink-outage.test.ts. A mock of its own: faults
// must not hit other test files.
let mock: KafkaMockHandle;
const sinks: Sink[] = [];
const ctl = () => kafkaControl(mock.info.controlPort);

beforeAll(async () => {
  mock = await startKafkaMock({ brokers: 1 });
});
afterEach(async () => {
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

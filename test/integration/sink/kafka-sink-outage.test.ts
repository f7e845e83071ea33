import { createKafkaSink } from '../../../connector/sink/kafka';
import type { Sink } from '../../../connector/sink/port';
import type { ConnectorError } from '../../../connector/errors';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { startKafka, type KafkaClusterHandle } from '../../infra/kafka-broker';
import { readTopic, type TopicMessage } from '../../infra/kafka-reader';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';
import { kafkaConfig, keyedRecords, seqOf } from './kafka-support';

jest.setTimeout(240_000);

// Broker outages on real Apache Kafka, a broker of this file's own (an outage must not hit other
// test files): the JVM is killed (SIGKILL, a crash) or stopped (SIGTERM) and started again on the
// same ports and data, or frozen with SIGSTOP (a broker that stops answering).
// Not reproduced: injected per-partition produce errors. The mock cluster could inject them but
// answers InitProducerId v4 with UNKNOWN_PRODUCER_ID, so the idempotent sink cannot start on it;
// NOT_LEADER_OR_FOLLOWER comes with real leader moves in the 3-broker failover tests, and a
// permanent broker refusal (MESSAGE_TOO_LARGE) is tested in kafka-sink.test.ts.
let kafka: KafkaClusterHandle;
const sinks: Sink[] = [];
const broker = () => kafka.node(1);

beforeAll(async () => {
  kafka = await startKafka();
});
afterEach(async () => {
  const pid = broker().pid;
  if (pid !== undefined) process.kill(pid, 'SIGCONT');
  if (!broker().running) await broker().start();
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await kafka?.stop();
});

async function startedSink(retries: number, deliveryTimeoutMs?: number, idleProbeMs?: number): Promise<{ sink: Sink; logs: ReturnType<typeof createMemoryLogger> }> {
  const logs = createMemoryLogger();
  const sink = createKafkaSink(kafkaConfig(kafka.info.bootstrap, { requestTimeoutMs: 2_000 }), {
    logger: logs,
    retry: { retries, initialRetryTimeMs: 50, maxRetryTimeMs: 400 },
    deliveryTimeoutMs,
    stopFlushTimeoutMs: 500,
    idleProbeMs,
  });
  sinks.push(sink);
  await sink.start();
  return { sink, logs };
}

/** Every record at most once, and each key's records in publish order. */
function expectOnceInOrder(got: readonly TopicMessage[]): void {
  const ids = got.map((m) => m.headers['walcast.id']);
  expect(new Set(ids).size).toBe(ids.length);
  const perKey = new Map<number, number[]>();
  for (const m of got) {
    const { key, seq } = seqOf(m.value);
    perKey.set(key, [...(perKey.get(key) ?? []), seq]);
  }
  for (const seqs of perKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
}

test('a broker crash shorter than the retry budget is ridden out: publish resolves, every record stored once, in order', async () => {
  // 200 retries of at most 400 ms: over a minute, more than a restart takes on a busy machine.
  const { sink, logs } = await startedSink(200);
  const topic = uniqueName('blip');
  await sink.ensureTopics([topic]);
  await sink.publish(keyedRecords(topic, 10));
  await broker().kill();
  const during = sink.publish(keyedRecords(topic, 40, { from: 10 }));
  let settled = false;
  void during.finally(() => (settled = true)).catch(() => undefined);
  // It cannot be acked while the broker is down.
  await expect(waitFor(() => settled, { timeoutMs: 500 })).rejects.toThrow(/timed out/);
  await broker().start();
  await during;
  const got = await readTopic(kafka.info.bootstrap, topic, { count: 50 });
  expect(got.map((m) => seqOf(m.value).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  expectOnceInOrder(got);
  // The outage is logged once, not per retry, and so is the recovery.
  expect(logs.entries.filter((e) => e.level === 'warn' && e.msg.startsWith('cannot connect to Kafka broker'))).toHaveLength(1);
  expect(logs.entries.filter((e) => e.msg === 'connected to Kafka broker again')).toHaveLength(1);
});

test('a longer outage fails the sink with a retriable SINK_SEND and latches it; a new sink (the restarted session) recovers', async () => {
  const { sink, logs } = await startedSink(2);
  const topic = uniqueName('outage');
  await sink.ensureTopics([topic]);
  const acked: number[] = [];
  const track = (s: Sink, from: number, n: number) =>
    s.publish(keyedRecords(topic, n, { from })).then(() => {
      for (let i = from; i < from + n; i++) acked.push(i);
    });
  await track(sink, 0, 20);
  await broker().stop();
  const results = await Promise.allSettled([track(sink, 20, 20), track(sink, 40, 20), track(sink, 60, 20)]);
  for (const r of results) {
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'SINK_SEND', retriable: true, context: { topic } } });
  }
  expect(logs.entries.filter((e) => e.level === 'error' && e.msg.includes('Kafka send failed'))).toHaveLength(1);
  await broker().start();
  // Latched: nothing after a failed batch is ever sent by this sink.
  await expect(sink.publish(keyedRecords(topic, 1, { from: 99 }))).rejects.toMatchObject({ code: 'SINK_SEND' });

  // The pipeline restarts with a fresh sink and resends everything after the confirmed position.
  const { sink: again } = await startedSink(9);
  await track(again, 20, 60);
  const got = await readTopic(kafka.info.bootstrap, topic);
  const stored = new Set(got.map((m) => seqOf(m.value).i));
  for (const i of acked) expect(stored.has(i)).toBe(true);
  expect(acked).toHaveLength(80);
  expect(stored.has(99)).toBe(false);
});

test('a broker lost while nothing is sent is noticed by the idle probe: onFailure hears a retriable SINK_CONNECT, and the sink latches', async () => {
  const { sink } = await startedSink(2, undefined, 200);
  const heard: ConnectorError[] = [];
  sink.onFailure?.((e) => heard.push(e));
  const topic = uniqueName('idle');
  await sink.ensureTopics([topic]);
  await sink.publish(keyedRecords(topic, 3));
  // Up and quiet: the probes pass and nothing is heard.
  const quietSince = Date.now();
  await waitFor(() => Date.now() - quietSince >= 1_500, { timeoutMs: 5_000 });
  expect(heard).toEqual([]);
  await broker().kill();
  await waitFor(() => heard.length > 0, { timeoutMs: 30_000, message: 'onFailure after the broker was killed, with nothing sent' });
  expect(heard[0]).toMatchObject({ code: 'SINK_CONNECT', retriable: true });
  expect(heard[0]!.message).toMatch(/stopped answering while nothing was sent/);
  await broker().start();
  // Latched: what a restarted session resends goes through a new sink.
  await expect(sink.publish(keyedRecords(topic, 1, { from: 3 }))).rejects.toMatchObject({ code: 'SINK_CONNECT' });
});

test('a broker that stops answering (frozen JVM) fails the batch within deliveryTimeoutMs', async () => {
  const { sink } = await startedSink(30, 1_500);
  const topic = uniqueName('frozen');
  await sink.ensureTopics([topic]);
  await sink.publish(keyedRecords(topic, 5));
  process.kill(broker().pid!, 'SIGSTOP');
  const started = Date.now();
  await expect(sink.publish(keyedRecords(topic, 5, { from: 5 }))).rejects.toMatchObject({ code: 'SINK_SEND', context: { timedOut: true } });
  expect(Date.now() - started).toBeLessThan(5_000);
  process.kill(broker().pid!, 'SIGCONT');
});

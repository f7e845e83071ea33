import { Kafka, logLevel } from 'kafkajs';
import { KafkaErrorCode, KafkaMockHandle, controlCommand, kafkaControl, readTopic, startKafkaMock } from '../../infra/kafka';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';

// The project-level testTimeout in jest.config.js is ignored by jest 29 (per-project option).
jest.setTimeout(120_000);

// The fault-injection mock itself (the suites run on real Kafka; the mock serves only the faults
// a real broker cannot produce on demand): CreateTopics support, auto-creation defaults, control commands,
// and what broker_down does to open connections. Uses a private mock (faults stay local).

let mock: KafkaMockHandle;
let kafka: Kafka;

beforeAll(async () => {
  mock = await startKafkaMock({ brokers: 1, defaultPartitions: 2 });
  kafka = new Kafka({ clientId: 'mock-test', brokers: mock.info.bootstrap.split(','), logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await mock?.stop();
});

test('prints bootstrap and control port; ping and unknown commands reply', async () => {
  expect(mock.info.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
  await expect(controlCommand(mock.info.controlPort, 'ping')).resolves.toBe('OK pong');
  await expect(controlCommand(mock.info.controlPort, 'bogus 1')).rejects.toThrow(/ERR unknown command/);
  await expect(kafkaControl(mock.info.controlPort).brokerDown(7)).rejects.toThrow(/ERR/);
});

test('admin.createTopics works (handler added by the helper) and reports existing topics', async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topic = uniqueName('created');
    await expect(admin.createTopics({ topics: [{ topic, numPartitions: 5, replicationFactor: 1 }] })).resolves.toBe(true);
    await expect(admin.createTopics({ topics: [{ topic, numPartitions: 5 }] })).resolves.toBe(false);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0].partitions).toHaveLength(5);
    const rejected = await admin.createTopics({ topics: [{ topic: uniqueName('rf'), replicationFactor: 3 }] }).catch((e: unknown) => e);
    expect((rejected as { errors?: { type: string }[] }).errors?.map((e) => e.type)).toEqual(['INVALID_REPLICATION_FACTOR']);
  } finally {
    await admin.disconnect();
  }
});

test('control topic_create and auto-creation use the configured partition counts', async () => {
  const ctl = kafkaControl(mock.info.controlPort);
  const explicit = uniqueName('ctl');
  await ctl.createTopic(explicit, 3, 1);
  const auto = uniqueName('auto');
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic: auto, messages: [{ value: 'x' }] });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const meta = await admin.fetchTopicMetadata({ topics: [explicit, auto] });
  await admin.disconnect();
  const partitions = (name: string): number | undefined => meta.topics.find((t) => t.name === name)?.partitions.length;
  expect([partitions(explicit), partitions(auto)]).toEqual([3, 2]);
});

test('readTopic returns keys, values, headers from all partitions; default mode stops at the high watermark', async () => {
  const topic = uniqueName('read');
  await kafkaControl(mock.info.controlPort).createTopic(topic, 4, 1);
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { n: String(i) } }));
  await producer.send({ topic, messages });
  await producer.disconnect();

  const started = Date.now();
  const all = await readTopic(mock.info.bootstrap, topic);
  const elapsed = Date.now() - started;
  expect(all).toHaveLength(200);
  expect(new Set(all.map((m) => m.partition)).size).toBe(4);
  const byKey = new Map(all.map((m) => [m.key?.toString(), m]));
  expect(byKey.get('k7')?.value?.toString()).toBe('v7');
  expect(byKey.get('k7')?.headers).toEqual({ n: '7' });
  expect(elapsed).toBeLessThan(5_000);

  await expect(readTopic(mock.info.bootstrap, topic, { count: 201, timeoutMs: 1_000 })).rejects.toThrow(/timed out/);
  const some = await readTopic(mock.info.bootstrap, topic, { until: (ms) => ms.some((m) => m.key?.toString() === 'k3') });
  expect(some.some((m) => m.key?.toString() === 'k3')).toBe(true);
});

test('produce_errors fails the next Produce requests with the given code', async () => {
  const topic = uniqueName('perr');
  await kafkaControl(mock.info.controlPort).createTopic(topic, 1, 1);
  const producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  try {
    await kafkaControl(mock.info.controlPort).produceErrors(1, KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await expect(producer.send({ topic, messages: [{ value: 'a' }] })).rejects.toThrow(/authoriz/i);
    await producer.send({ topic, messages: [{ value: 'b' }] });
  } finally {
    await producer.disconnect();
  }
  const got = await readTopic(mock.info.bootstrap, topic);
  expect(got.map((m) => m.value?.toString())).toEqual(['b']);
});

test('broker_down closes open connections and refuses new ones; broker_up restores service', async () => {
  const topic = uniqueName('down');
  const ctl = kafkaControl(mock.info.controlPort);
  await ctl.createTopic(topic, 1, 1);
  const producer = kafka.producer({ retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value: 'before' }] });
    await ctl.brokerDown(0);
    // The producer's open socket is closed by the mock: the next send fails fast.
    await expect(producer.send({ topic, messages: [{ value: 'during' }] })).rejects.toThrow();
    await ctl.brokerUp(0);
    await waitFor(
      async () => {
        await producer.send({ topic, messages: [{ value: 'after' }] });
        return true;
      },
      { timeoutMs: 15_000, message: 'producer to recover after broker_up' },
    );
  } finally {
    await producer.disconnect();
  }
  const values = (await readTopic(mock.info.bootstrap, topic)).map((m) => m.value?.toString());
  expect(values[0]).toBe('before');
  expect(values).toContain('after');
  expect(values).not.toContain('during');
});

test('a raw socket open to the broker is closed by broker_down', async () => {
  const ctl = kafkaControl(mock.info.controlPort);
  const [host, port] = mock.info.bootstrap.split(',')[0].split(':');
  const net = await import('node:net');
  const socket = net.connect(Number(port), host);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  await ctl.brokerDown(0);
  await closed;
  const refused = net.connect(Number(port), host);
  await expect(
    new Promise((resolve, reject) => refused.once('connect', resolve).once('error', reject)),
  ).rejects.toThrow(/ECONNREFUSED/);
  await ctl.brokerUp(0);
  const again = net.connect(Number(port), host);
  await new Promise<void>((resolve, reject) => again.once('connect', resolve).once('error', reject));
  again.destroy();
});

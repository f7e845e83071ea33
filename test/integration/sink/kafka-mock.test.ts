import { inspect } from 'node:util';
import { Admin, Producer, stringSerializers, type ProducerOptions } from '@platformatic/kafka';
import { KafkaErrorCode, KafkaMockHandle, controlCommand, kafkaControl, startKafkaMock } from '../../infra/kafka';
import { topicHighWatermark } from '../../infra/kafka-reader';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';

jest.setTimeout(120_000);

// The fault-injection mock itself (the suites run on real Kafka; the mock serves only the faults
// a real broker cannot produce on demand): CreateTopics support, auto-creation defaults, control commands,
// and what broker_down does to open connections. Uses a private mock (faults stay local).

let mock: KafkaMockHandle;
// Plain (not idempotent) clients: the mock answers InitProducerId v4 with UNKNOWN_PRODUCER_ID.
const admin = (): Admin => new Admin({ clientId: 'mock-test', bootstrapBrokers: mock.info.bootstrap.split(',') });
const producer = (over: Partial<ProducerOptions<string, string, string, string>> = {}): Producer<string, string, string, string> =>
  new Producer({ clientId: 'mock-test', bootstrapBrokers: mock.info.bootstrap.split(','), serializers: stringSerializers, ...over });

beforeAll(async () => {
  mock = await startKafkaMock({ brokers: 1, defaultPartitions: 2 });
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
  const a = admin();
  try {
    const topic = uniqueName('created');
    await a.createTopics({ topics: [topic], partitions: 5, replicas: 1 });
    await expect(a.createTopics({ topics: [topic], partitions: 5 })).rejects.toThrow(/Creating topics failed/);
    const meta = await a.metadata({ topics: [topic] });
    expect(meta.topics.get(topic)?.partitionsCount).toBe(5);
    const rejected = await a.createTopics({ topics: [uniqueName('rf')], replicas: 3 }).catch((e: unknown) => e);
    expect(inspect(rejected, { depth: 12 })).toContain('INVALID_REPLICATION_FACTOR');
  } finally {
    await a.close();
  }
});

test('control topic_create and auto-creation use the configured partition counts', async () => {
  const ctl = kafkaControl(mock.info.controlPort);
  const explicit = uniqueName('ctl');
  await ctl.createTopic(explicit, 3, 1);
  const auto = uniqueName('auto');
  const p = producer({ autocreateTopics: true });
  await p.send({ messages: [{ topic: auto, value: 'x' }] });
  await p.close();
  const a = admin();
  const meta = await a.metadata({ topics: [explicit, auto] });
  await a.close();
  const partitions = (name: string): number | undefined => meta.topics.get(name)?.partitionsCount;
  expect([partitions(explicit), partitions(auto)]).toEqual([3, 2]);
});

test('produce_errors fails the next Produce requests with the given code', async () => {
  const topic = uniqueName('perr');
  await kafkaControl(mock.info.controlPort).createTopic(topic, 1, 1);
  const p = producer({ retries: 0 });
  try {
    await kafkaControl(mock.info.controlPort).produceErrors(1, KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const failed = await p.send({ messages: [{ topic, value: 'a' }] }).catch((e: unknown) => e);
    expect(inspect(failed, { depth: 12 })).toMatch(/AUTHORIZATION/);
    await p.send({ messages: [{ topic, value: 'b' }] });
  } finally {
    await p.close();
  }
  // Only 'b' was stored. (readTopic joins a consumer group, which the mock cannot serve to
  // @platformatic/kafka: it closes the connection on JoinGroup; offsets are enough here.)
  expect(await topicHighWatermark(mock.info.bootstrap, topic)).toBe(1);
});

test('broker_down closes open connections and refuses new ones; broker_up restores service', async () => {
  const topic = uniqueName('down');
  const ctl = kafkaControl(mock.info.controlPort);
  await ctl.createTopic(topic, 1, 1);
  const p = producer({ retries: 1, retryDelay: 50 });
  try {
    await p.send({ messages: [{ topic, value: 'before' }] });
    await ctl.brokerDown(0);
    // The producer's open socket is closed by the mock: the next send fails fast.
    await expect(p.send({ messages: [{ topic, value: 'during' }] })).rejects.toThrow();
    await ctl.brokerUp(0);
    await waitFor(
      async () => {
        await p.send({ messages: [{ topic, value: 'after' }] });
        return true;
      },
      { timeoutMs: 15_000, message: 'producer to recover after broker_up' },
    );
  } finally {
    await p.close();
  }
  // 'before' and at least one 'after' ('during' was refused with the connection closed).
  expect(await topicHighWatermark(mock.info.bootstrap, topic)).toBeGreaterThanOrEqual(2);
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

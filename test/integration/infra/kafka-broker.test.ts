import { existsSync } from 'node:fs';
import { createKafkaSink } from '../../../connector/sink/kafka';
import { createMemoryLogger } from '../../../connector/observe/logger';
import type { KafkaOptions } from '../../../connector/sink/kafka/options';
import { KafkaClusterHandle, startKafka } from '../../infra/kafka-broker';
import { fetchMetadata } from '../../infra/kafka-metadata';
import { readTopic } from '../../infra/kafka';
import { uniqueName } from '../../infra/names';
import { kafkaConfig } from '../sink/kafka-support';

// The test harness's own real-Kafka broker (test/infra/kafka-broker.ts): it starts, serves
// Kafka clients on every listener it was asked for, and leaves nothing behind. Start time and
// the JVM's RSS are printed (the numbers in docs/DESIGN.md's test-harness section).
jest.setTimeout(300_000);

const USERS = { alice: 'alice-secret', bob: 'bob-secret' };
let secured: KafkaClusterHandle;

beforeAll(async () => {
  secured = await startKafka({ security: { saslUsers: USERS, tls: true } });
});
afterAll(async () => {
  await secured?.stop();
});

test('a single broker starts, answers Metadata, stores what a sink publishes, and stop() kills it and removes its dir', async () => {
  const t0 = Date.now();
  const kafka = await startKafka();
  const startMs = Date.now() - t0;
  const node = kafka.nodes[0];
  const pid = node.pid!;
  try {
    const md = await fetchMetadata('127.0.0.1', kafka.nodes[0].port);
    expect(md.brokers).toEqual([{ id: 1, host: '127.0.0.1', port: kafka.nodes[0].port }]);
    expect(md.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const topic = uniqueName('infra_single');
    const sink = createKafkaSink(kafkaConfig(kafka.info.bootstrap, { partitions: 2 }), { logger: createMemoryLogger() });
    await sink.start();
    try {
      await sink.ensureTopics([topic]);
      await sink.publish([{ topic, id: '0/1:0', key: Buffer.from('k'), value: Buffer.from('v') }]);
    } finally {
      await sink.stop();
    }
    const got = await readTopic(kafka.info.bootstrap, topic, { count: 1 });
    expect(got.map((m) => [m.key?.toString(), m.value?.toString()])).toEqual([['k', 'v']]);
    expect((await kafka.metadata([topic])).topics[0].partitions).toHaveLength(2);
    process.stderr.write(`[kafka-broker] single broker ready in ${startMs} ms; JVM RSS after a produce/consume: ${node.rssMb()?.toFixed(0)} MB\n`);
  } finally {
    await kafka.stop();
  }
  expect(existsSync(kafka.info.dir)).toBe(false);
  expect(() => process.kill(pid, 0)).toThrow();
});

async function publishOne(over: Partial<KafkaOptions>, bootstrap: string): Promise<string> {
  const topic = uniqueName('infra_auth');
  // Few, fast retries: the refused cases fail at once instead of after the default backoff.
  const sink = createKafkaSink(kafkaConfig(bootstrap, { partitions: 1, requestTimeoutMs: 5_000, ...over }), {
    logger: createMemoryLogger(),
    retry: { retries: 1, initialRetryTimeMs: 50, maxRetryTimeMs: 100 },
  });
  try {
    await sink.start();
    await sink.ensureTopics([topic]);
    await sink.publish([{ topic, id: '0/2:0', key: Buffer.from('k'), value: Buffer.from(JSON.stringify(over)) }]);
  } finally {
    await sink.stop().catch(() => undefined);
  }
  return topic;
}

test.each([
  ['plain', 'alice'],
  ['scram-sha-256', 'bob'],
  ['scram-sha-512', 'alice'],
] as const)('SASL %s on the SASL_PLAINTEXT and SASL_SSL listeners', async (mechanism, user) => {
  const auth = { saslMechanism: mechanism, saslUsername: user, saslPassword: USERS[user] };
  const overPlain = await publishOne(auth, secured.info.saslPlaintext!);
  const overTls = await publishOne({ ...auth, ssl: true, sslCaFile: secured.info.caFile! }, secured.info.saslSsl!);
  for (const topic of [overPlain, overTls]) expect(await readTopic(secured.info.bootstrap, topic, { count: 1 })).toHaveLength(1);
});

test('the SSL listener serves a client trusting the test CA', async () => {
  const topic = await publishOne({ ssl: true, sslCaFile: secured.info.caFile! }, secured.info.ssl!);
  expect(await readTopic(secured.info.bootstrap, topic, { count: 1 })).toHaveLength(1);
});

test('a wrong password and an untrusted certificate are refused', async () => {
  await expect(publishOne({ saslMechanism: 'scram-sha-256', saslUsername: 'alice', saslPassword: 'wrong' }, secured.info.saslPlaintext!))
    .rejects.toThrow();
  await expect(publishOne({ saslMechanism: 'plain', saslUsername: 'mallory', saslPassword: 'alice-secret' }, secured.info.saslPlaintext!))
    .rejects.toThrow();
  // No CA given: Node's default trust store does not know the test CA.
  await expect(publishOne({ ssl: true }, secured.info.ssl!)).rejects.toThrow();
});

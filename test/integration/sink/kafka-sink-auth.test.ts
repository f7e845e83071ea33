import { createKafkaSink } from '../../../connector/sink/kafka';
import type { Sink } from '../../../connector/sink/port';
import { createMemoryLogger } from '../../../connector/observe/logger';
import type { KafkaOptions } from '../../../connector/sink/kafka/options';
import { startKafka, type KafkaClusterHandle } from '../../infra/kafka-broker';
import { readTopic } from '../../infra/kafka-reader';
import { uniqueName } from '../../infra/names';
import { kafkaConfig, keyedRecords } from './kafka-support';

jest.setTimeout(180_000);

// SASL (PLAIN, SCRAM-SHA-256/512) and TLS live, against a broker with SASL_PLAINTEXT, SSL and
// SASL_SSL listeners; its certificates are made with openssl when it starts.
let kafka: KafkaClusterHandle;
const sinks: Sink[] = [];
const USER = 'walcast';
const PASSWORD = 'walcast-secret';

beforeAll(async () => {
  kafka = await startKafka({ security: { saslUsers: { [USER]: PASSWORD }, tls: true } });
});
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await kafka?.stop();
});

async function roundTrip(bootstrap: string, over: Partial<KafkaOptions>): Promise<void> {
  const sink = createKafkaSink(kafkaConfig(bootstrap, over), { logger: createMemoryLogger() });
  sinks.push(sink);
  await sink.start();
  const topic = uniqueName('auth');
  await sink.publish(keyedRecords(topic, 5));
  // Read back over the plaintext listener: what the secured one stored.
  expect(await readTopic(kafka.info.bootstrap, topic, { count: 5 })).toHaveLength(5);
}

const sasl = (mechanism: KafkaOptions['saslMechanism']): Partial<KafkaOptions> => ({ saslMechanism: mechanism, saslUsername: USER, saslPassword: PASSWORD });

test.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('SASL %s over plaintext', async (mechanism) => {
  await roundTrip(kafka.info.saslPlaintext!, sasl(mechanism));
});

test('TLS with the CA file: the broker certificate is verified', async () => {
  await roundTrip(kafka.info.ssl!, { ssl: true, sslCaFile: kafka.info.caFile! });
});

test('SASL SCRAM-SHA-512 over TLS', async () => {
  await roundTrip(kafka.info.saslSsl!, { ssl: true, sslCaFile: kafka.info.caFile!, ...sasl('scram-sha-512') });
});

test('a wrong password fails start with a permanent SINK_CONNECT', async () => {
  const sink = createKafkaSink(kafkaConfig(kafka.info.saslPlaintext!, { ...sasl('scram-sha-256'), saslPassword: 'wrong' }), {
    logger: createMemoryLogger(),
    retry: { retries: 2, initialRetryTimeMs: 20, maxRetryTimeMs: 50 },
  });
  await expect(sink.start()).rejects.toMatchObject({ code: 'SINK_CONNECT', retriable: false, message: expect.stringContaining('SASL authentication failed') });
});

test('TLS without the test CA is refused (certificate not trusted)', async () => {
  const sink = createKafkaSink(kafkaConfig(kafka.info.ssl!, { ssl: true }), {
    logger: createMemoryLogger(),
    retry: { retries: 2, initialRetryTimeMs: 20, maxRetryTimeMs: 50 },
  });
  await expect(sink.start()).rejects.toMatchObject({ code: 'SINK_CONNECT', retriable: false, message: expect.stringMatching(/certificate/i) });
});

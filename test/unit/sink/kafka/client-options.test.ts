import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CompressionTypes, logLevel } from 'kafkajs';
import type { KafkaConfig } from '../../../../config/types';
import { clientOptions, compressionType, DEFAULT_KAFKA_RETRY, producerOptions } from '../../../../connector/sink/kafka/client-options';
import { logCreatorFor } from '../../../../connector/sink/kafka/log-adapter';
import { createMemoryLogger } from '../../../../connector/observe/logger';
import { tempDir } from '../../../infra/temp-dirs';

const base: KafkaConfig = {
  brokers: ['b1:9092', 'b2:9092'], clientId: 'walcast-test', partitions: 3, replicationFactor: 1, createTopics: true,
  compression: 'none', batchMaxRecords: 1000, requestTimeoutMs: 12_000, ssl: false, sslCaFile: '',
  saslMechanism: 'none', saslUsername: '', saslPassword: '',
};

test('plain connection: brokers, clientId, request timeout, bounded retries', () => {
  const o = clientOptions(base, DEFAULT_KAFKA_RETRY);
  expect(o).toMatchObject({ brokers: ['b1:9092', 'b2:9092'], clientId: 'walcast-test', requestTimeout: 12_000, ssl: false, sasl: undefined });
  expect(o.retry).toMatchObject({ retries: 9, initialRetryTime: 100, maxRetryTime: 5_000 });
});

test('TLS with a CA file and SASL mechanisms map onto kafkajs options', () => {
  const dir = tempDir('walcast-ca-');
  const ca = path.join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
  expect(clientOptions({ ...base, ssl: true }, DEFAULT_KAFKA_RETRY).ssl).toBe(true);
  expect(clientOptions({ ...base, ssl: true, sslCaFile: ca }, DEFAULT_KAFKA_RETRY).ssl).toEqual({ ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
  expect(() => clientOptions({ ...base, ssl: true, sslCaFile: path.join(dir, 'missing.pem') }, DEFAULT_KAFKA_RETRY)).toThrow(
    expect.objectContaining({ code: 'SINK_SETUP' }),
  );
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    const o = clientOptions({ ...base, saslMechanism: mechanism, saslUsername: 'u', saslPassword: 'p' }, DEFAULT_KAFKA_RETRY);
    expect(o.sasl).toEqual({ mechanism, username: 'u', password: 'p' });
  }
});

test('producer: idempotent, one request in flight, no implicit topic creation; compression', () => {
  expect(producerOptions(DEFAULT_KAFKA_RETRY)).toMatchObject({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  expect(compressionType(base)).toBe(CompressionTypes.None);
  expect(compressionType({ ...base, compression: 'gzip' })).toBe(CompressionTypes.GZIP);
});

test('kafkajs logs reach our logger; retry attempts are warnings, final errors are errors', () => {
  const logger = createMemoryLogger();
  const log = logCreatorFor(logger)(logLevel.WARN);
  const entry = (level: logLevel, message: string, extra: object = {}) =>
    log({ namespace: 'Producer', level, label: 'X', log: { timestamp: 't', logger: 'kafkajs', message, ...extra } });
  entry(logLevel.ERROR, 'Failed to send messages: x', { retryCount: 2, retryTime: 400 });
  entry(logLevel.ERROR, 'gave up');
  entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees');
  entry(logLevel.INFO, 'hello');
  expect(logger.entries.map((e) => [e.level, e.msg])).toEqual([
    ['warn', 'Failed to send messages: x'],
    ['error', 'gave up'],
    ['debug', 'Limiting retries for the idempotent producer may invalidate EoS guarantees'],
    ['info', 'hello'],
  ]);
  expect(logger.entries[0].fields).toEqual({ kafkajs: 'Producer', retryCount: 2, retryTime: 400 });
});

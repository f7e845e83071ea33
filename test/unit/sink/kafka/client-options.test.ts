import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProduceAcks } from '@platformatic/kafka';
import type { KafkaOptions } from '../../../../connector/sink/kafka/options';
import { createMemoryLogger } from '../../../../connector/observe/logger';
import {
  clientOptions, compressionType, DEFAULT_KAFKA_RETRY, produceBatchBytes, producerOptions, retryDelayMs, topicConfigs,
} from '../../../../connector/sink/kafka/client-options';
import { logBrokerEvents } from '../../../../connector/sink/kafka/log-adapter';
import { idHeaderValue } from '../../../../connector/sink/kafka/record-headers';

const base: KafkaOptions = {
  brokers: ['b1:9092', 'b2:9092'], clientId: 'walcast-test', partitions: 3, replicationFactor: 1, createTopics: true,
  compression: 'none', topicConfig: [], batchMaxRecords: 1000, batchMaxBytes: 1_000_000, requestTimeoutMs: 12_000, transactionTimeoutMs: 60_000,
  ssl: false, sslCaFile: '', sslCertFile: '', sslKeyFile: '',
  saslMechanism: 'none', saslUsername: '', saslPassword: '', exactlyOnce: false, transactionalId: '',
    format: 'json', schemaRegistry: { url: '', username: '', password: '' },
};

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'walcast-tls-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pem = (name: string, body: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, body);
  return file;
};

test('plain connection: brokers, clientId, timeouts, bounded retries, no TLS/SASL, no auto-creation', () => {
  const o = clientOptions(base, DEFAULT_KAFKA_RETRY);
  expect(o).toMatchObject({
    bootstrapBrokers: ['b1:9092', 'b2:9092'], clientId: 'walcast-test', timeout: 12_000, requestTimeout: 12_000,
    connectTimeout: 10_000, retries: 9, autocreateTopics: false,
  });
  expect(o.tls).toBeUndefined();
  expect(o.sasl).toBeUndefined();
  expect(clientOptions({ ...base, requestTimeoutMs: 3_000 }, DEFAULT_KAFKA_RETRY).connectTimeout).toBe(3_000);
});

test('retry delay: exponential from initialRetryTimeMs, capped at maxRetryTimeMs, +-20% jitter', () => {
  const p = { retries: 9, initialRetryTimeMs: 100, maxRetryTimeMs: 5_000 };
  expect([1, 2, 3, 4, 5, 6, 7, 9].map((a) => retryDelayMs(p, a, () => 0.5))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  expect(retryDelayMs(p, 1, () => 0)).toBe(80);
  expect(retryDelayMs(p, 1, () => 1)).toBe(120);
  const o = clientOptions(base, p);
  const delay = o.retryDelay as (c: object, op: string, attempt: number, retries: number, e: Error) => number;
  const d = delay({}, 'produce', 3, 9, new Error('x'));
  expect(d).toBeGreaterThanOrEqual(320);
  expect(d).toBeLessThanOrEqual(480);
});

test('TLS: system trust store without files; CA, client certificate and key from PEM files', () => {
  expect(clientOptions({ ...base, ssl: true }, DEFAULT_KAFKA_RETRY).tls).toEqual({});
  const ca = pem('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
  const cert = pem('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
  const key = pem('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
  expect(clientOptions({ ...base, ssl: true, sslCaFile: ca, sslCertFile: cert, sslKeyFile: key }, DEFAULT_KAFKA_RETRY).tls).toEqual({
    ca: [expect.stringContaining('\nca\n')],
    cert: expect.stringContaining('\nclient\n'),
    key: expect.stringContaining('\nkey\n'),
  });
});

test('unreadable TLS files are all named in one SINK_SETUP error', () => {
  const missing = (n: string) => path.join(dir, n);
  let err: unknown;
  try {
    clientOptions({ ...base, ssl: true, sslCaFile: missing('no-ca.pem'), sslCertFile: missing('no-cert.pem'), sslKeyFile: missing('no-key.pem') }, DEFAULT_KAFKA_RETRY);
  } catch (e) {
    err = e;
  }
  expect(err).toMatchObject({ code: 'SINK_SETUP' });
  expect((err as Error).message).toMatch(/sslCaFile .*no-ca\.pem.*sslCertFile .*no-cert\.pem.*sslKeyFile .*no-key\.pem/);
});

test('SASL mechanisms map onto the library names', () => {
  const names = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    const o = clientOptions({ ...base, saslMechanism: mechanism, saslUsername: 'u', saslPassword: 'p' }, DEFAULT_KAFKA_RETRY);
    expect(o.sasl).toEqual({ mechanism: names[mechanism], username: 'u', password: 'p' });
  }
});

test('producer: idempotent, acks=-1, configured compression, Buffer headers passed through, partitioner set', () => {
  const o = producerOptions({ ...base, compression: 'zstd' }, DEFAULT_KAFKA_RETRY);
  expect(o).toMatchObject({ idempotent: true, acks: ProduceAcks.ALL, compression: 'zstd', autocreateTopics: false });
  expect(ProduceAcks.ALL).toBe(-1);
  expect(typeof o.partitioner).toBe('function');
  // Header names and values arrive as bytes (record-headers.ts): no serializer may re-encode
  // them; the header value one only puts each record's id in its slot.
  expect(o.serializers).toEqual({ headerValue: idHeaderValue });
  // The library turns an idempotent producer's retries <= 1 into "forever": never pass those.
  expect(producerOptions(base, { retries: 0, initialRetryTimeMs: 1, maxRetryTimeMs: 1 }).retries).toBe(2);
  for (const c of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) expect(compressionType({ ...base, compression: c })).toBe(c);
});

test('topic configs: name=value entries, blanks trimmed, "=" inside values kept', () => {
  expect(topicConfigs({ topicConfig: ['cleanup.policy=compact', ' retention.ms = 3600000 ', 'x.y=a=b'] })).toEqual([
    { name: 'cleanup.policy', value: 'compact' },
    { name: 'retention.ms', value: '3600000' },
    { name: 'x.y', value: 'a=b' },
  ]);
});

test('broker events: a failing broker is logged once per episode, recovery once', () => {
  const logger = createMemoryLogger();
  const client = new EventEmitter();
  const off = logBrokerEvents(client as never, logger);
  const broker = { host: 'b1', port: 9092 };
  client.emit('client:broker:failed', { broker });
  client.emit('client:broker:failed', { broker });
  client.emit('client:broker:failed', { broker });
  client.emit('client:broker:connect', { broker });
  client.emit('client:broker:connect', { broker });
  expect(logger.entries.map((e) => [e.level, e.fields.broker])).toEqual([
    ['warn', 'b1:9092'],
    ['info', 'b1:9092'],
    ['debug', 'b1:9092'],
  ]);
  off();
  client.emit('client:broker:failed', { broker });
  expect(logger.entries).toHaveLength(3);
});

describe('produceBatchBytes', () => {
  it('is batchMaxBytes, lowered below a max.message.bytes given in topicConfig', () => {
    expect(produceBatchBytes({ batchMaxBytes: 1_000_000, topicConfig: [] })).toBe(1_000_000);
    expect(produceBatchBytes({ batchMaxBytes: 1_000_000, topicConfig: ['cleanup.policy=compact', 'max.message.bytes = 20000'] })).toBe(20_000 - 125);
    expect(produceBatchBytes({ batchMaxBytes: 5_000, topicConfig: ['max.message.bytes=2000000'] })).toBe(5_000);
    expect(produceBatchBytes({ batchMaxBytes: 5_000, topicConfig: ['max.message.bytes=lots'] })).toBe(5_000);
  });
});

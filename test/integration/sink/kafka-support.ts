// Shared helpers of the Kafka sink integration tests.
import type { KafkaOptions } from '../../../connector/sink/kafka/options';
import type { Sink } from '../../../connector/sink/port';
import type { SinkRecord } from '../../../connector/model/record';
import { INFRA_ENV, testInfra } from '../../infra/env';
import { startKafka } from '../../infra/kafka-broker';
import { fetchMetadata } from '../../infra/kafka-metadata';
import { topicHighWatermark } from '../../infra/kafka-reader';

export function kafkaConfig(bootstrap: string, over: Partial<KafkaOptions> = {}): KafkaOptions {
  return {
    brokers: bootstrap.split(','), clientId: 'walcast-it', partitions: 3, replicationFactor: 1, createTopics: true,
    compression: 'none', batchMaxRecords: 1000, batchMaxBytes: 1_000_000, requestTimeoutMs: 10_000, transactionTimeoutMs: 60_000, ssl: false, sslCaFile: '', sslCertFile: '', sslKeyFile: '', topicConfig: [],
    saslMechanism: 'none', saslUsername: '', saslPassword: '', exactlyOnce: false, transactionalId: '',
    format: 'json', schemaRegistry: { url: '', username: '', password: '' }, ...over,
  };
}

/**
 * The run's shared Apache Kafka broker (from the integration globalSetup) when there is one,
 * else a broker of this test file's own. Tests that stop or kill a broker start their own
 * (startKafka / startKafkaCluster).
 */
export interface SharedKafka {
  readonly info: { readonly bootstrap: string; readonly dir: string };
  stop(): Promise<void>;
}

export async function sharedKafka(): Promise<SharedKafka> {
  if (process.env[INFRA_ENV] && testInfra().kafka) return { info: testInfra().kafka!, stop: async () => undefined };
  return startKafka();
}

/**
 * A test file's view of the shared broker: registers the hooks that get it before the tests,
 * stop the sinks a test pushed onto `sinks` after each test, and release the broker at the end.
 * `kafka` is set once the tests run.
 */
export function useSharedKafka(): { readonly kafka: SharedKafka; readonly sinks: Sink[] } {
  let kafka: SharedKafka | undefined;
  const sinks: Sink[] = [];
  beforeAll(async () => { kafka = await sharedKafka(); });
  afterEach(async () => { await Promise.all(sinks.splice(0).map((s) => s.stop())); });
  afterAll(async () => { await kafka?.stop(); });
  return {
    get kafka(): SharedKafka {
      if (!kafka) throw new Error('useSharedKafka: the broker is read before beforeAll ran');
      return kafka;
    },
    sinks,
  };
}

/** Partitions of `topic` as the first broker of `bootstrap` reports them (0: no such topic). */
export async function partitionCount(bootstrap: string, topic: string): Promise<number> {
  const [host, port] = bootstrap.split(',')[0].split(':');
  const md = await fetchMetadata(host, Number(port), [topic]);
  return md.topics[0]?.errorCode === 0 ? md.topics[0].partitions.length : 0;
}

/** Records stored in `topic`: the sum of its partitions' high watermarks. */
export const storedCount = topicHighWatermark;

/** `n` records over `keys` keys; value carries the key and a per-key sequence number. */
export function keyedRecords(topic: string, n: number, opts: { keys?: number; from?: number } = {}): SinkRecord[] {
  const keys = opts.keys ?? 10;
  const from = opts.from ?? 0;
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const key = i % keys;
    return {
      topic,
      id: `0/${(0x1000 + i).toString(16).toUpperCase()}:${i}`,
      key: Buffer.from(`{"id":${key}}`),
      value: Buffer.from(JSON.stringify({ key, seq: Math.floor(i / keys), i })),
      headers: { op: 'c' },
    };
  });
}

export const seqOf = (value: Buffer | null): { key: number; seq: number; i: number } =>
  JSON.parse(value!.toString()) as { key: number; seq: number; i: number };

/**
 * KafkaOptions -> @platformatic/kafka client, producer and topic options. The only place that
 * knows how walcast's settings map onto the client library.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  ProduceAcks,
  type AdminOptions,
  type CompressionAlgorithmValue,
  type CreateTopicsOptions,
  type ProducerOptions,
  type SASLOptions,
} from '@platformatic/kafka';
import type { KafkaOptions } from './options';
import { ConnectorError } from '../../errors';
import { javaCompatiblePartitioner } from './partitioner';
import { idHeaderValue } from './record-headers';

/** Backoff for connects and sends. About 20 s of retrying before an outage surfaces. */
export interface KafkaRetryPolicy {
  readonly retries: number;
  readonly initialRetryTimeMs: number;
  readonly maxRetryTimeMs: number;
}

// 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000 ms (+-20% jitter): ~21 s over 9 retries.
export const DEFAULT_KAFKA_RETRY: KafkaRetryPolicy = { retries: 9, initialRetryTimeMs: 100, maxRetryTimeMs: 5_000 };

/**
 * Keys, values and header names and values all reach the producer as Buffers (record-headers.ts):
 * the library's no-op serializers pass them through, except the header value serializer, which
 * puts each record's id bytes in its shared header Map's id slot (record-headers.ts idHeaderValue).
 */
export type WalcastProducerOptions = ProducerOptions<Buffer, Buffer, Buffer, Buffer>;

/** Exponential backoff with +-20% jitter; `attempt` counts from 1 (the library's convention). */
export function retryDelayMs(policy: KafkaRetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxRetryTimeMs, policy.initialRetryTimeMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Options shared by the producer and the admin client: brokers, timeouts, retries, TLS, SASL. */
export function clientOptions(config: KafkaOptions, retry: KafkaRetryPolicy): AdminOptions {
  const options: AdminOptions = {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    // Broker-side timeout of the requests that carry one (Produce, CreateTopics).
    timeout: config.requestTimeoutMs,
    // Client-side: how long an in-flight request may go unanswered before it fails.
    requestTimeout: config.requestTimeoutMs,
    connectTimeout: Math.min(10_000, config.requestTimeoutMs),
    retries: retry.retries,
    retryDelay: (_client, _operation, attempt) => retryDelayMs(retry, attempt),
    // Topics are created (or checked) by ensureTopics, never implicitly by a metadata request.
    autocreateTopics: false,
  };
  const tls = tlsOptions(config);
  if (tls) options.tls = tls;
  const sasl = saslOptions(config);
  if (sasl) options.sasl = sasl;
  return options;
}

export function producerOptions(config: KafkaOptions, retry: KafkaRetryPolicy): WalcastProducerOptions {
  return {
    ...clientOptions(config, retry),
    // Idempotent: the broker drops a retried batch it already stored (producer id + per-partition
    // sequence numbers). The library then forces acks=-1 and one in-flight request per broker
    // connection; acks is named anyway so the intent is visible here.
    idempotent: true,
    acks: ProduceAcks.ALL,
    // The library raises retries <= 1 of an idempotent producer to "forever"; the send queue's
    // delivery timeout still bounds a batch. Keep at least 2 so the configured budget holds.
    retries: Math.max(2, retry.retries),
    compression: compressionType(config),
    partitioner: javaCompatiblePartitioner(),
    serializers: { headerValue: idHeaderValue },
  };
}

export function compressionType(config: KafkaOptions): CompressionAlgorithmValue {
  return config.compression;
}

/**
 * Record framing counted per record beside its key, value and header bytes: the record's
 * length, attributes, timestamp and offset deltas, key and value lengths, header count (varints
 * of at most 5, 10, 5, 5, 5, 5 bytes) and each header's two lengths (counted as 10 per header;
 * walcast sends at most a few).
 */
export const RECORD_FRAMING_BYTES = 35 + 3 * 10;
/** A record batch's own header (baseOffset .. records count), and a margin for the request. */
const BATCH_HEADER_BYTES = 61 + 64;

/**
 * The bytes a produce request may carry: batchMaxBytes, lowered to fit a `max.message.bytes`
 * the topicConfig gives (the broker refuses a record batch over it, for good).
 */
export function produceBatchBytes(config: Pick<KafkaOptions, 'batchMaxBytes' | 'topicConfig'>): number {
  let max = config.batchMaxBytes;
  for (const { name, value } of topicConfigs(config)) {
    const limit = Number(value);
    if (name === 'max.message.bytes' && Number.isSafeInteger(limit)) max = Math.min(max, limit - BATCH_HEADER_BYTES);
  }
  return Math.max(1, max);
}

/** `sink.kafka.topicConfig` (`name=value` strings) as CreateTopics configs. */
export function topicConfigs(config: Pick<KafkaOptions, 'topicConfig'>): NonNullable<CreateTopicsOptions['configs']> {
  return config.topicConfig.map((entry) => {
    const eq = entry.indexOf('=');
    return { name: entry.slice(0, eq).trim(), value: entry.slice(eq + 1).trim() };
  });
}

function tlsOptions(config: KafkaOptions): TlsOptions | undefined {
  if (!config.ssl) return undefined;
  const tls: TlsOptions = {};
  const problems: string[] = [];
  const read = (file: string, key: string): string | undefined => {
    if (file === '') return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      problems.push(`cannot read sink.kafka.${key} ${file}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  };
  const ca = read(config.sslCaFile, 'sslCaFile');
  const cert = read(config.sslCertFile, 'sslCertFile');
  const key = read(config.sslKeyFile, 'sslKeyFile');
  if (problems.length > 0) throw new ConnectorError('SINK_SETUP', problems.join('; '));
  // Without a CA file Node's default trust store applies; hostname verification stays on.
  if (ca !== undefined) tls.ca = [ca];
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  return tls;
}

function saslOptions(config: KafkaOptions): SASLOptions | undefined {
  const username = config.saslUsername;
  const password = config.saslPassword;
  switch (config.saslMechanism) {
    case 'none': return undefined;
    case 'plain': return { mechanism: 'PLAIN', username, password };
    case 'scram-sha-256': return { mechanism: 'SCRAM-SHA-256', username, password };
    case 'scram-sha-512': return { mechanism: 'SCRAM-SHA-512', username, password };
  }
}

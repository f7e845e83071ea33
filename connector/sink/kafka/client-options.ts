/**
 * KafkaConfig -> kafkajs client and producer options. The only place that knows how walcast's
 * settings map onto kafkajs.
 */
import { readFileSync } from 'node:fs';
import { CompressionTypes, Partitioners, type KafkaConfig as KafkajsConfig, type ProducerConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../../../config/types';
import { ConnectorError } from '../../errors';

/** Backoff for connects and sends. About 20 s of retrying before an outage surfaces. */
export interface KafkaRetryPolicy {
  readonly retries: number;
  readonly initialRetryTimeMs: number;
  readonly maxRetryTimeMs: number;
}

// 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000 ms (+-20% jitter): ~21 s over 9 retries.
export const DEFAULT_KAFKA_RETRY: KafkaRetryPolicy = { retries: 9, initialRetryTimeMs: 100, maxRetryTimeMs: 5_000 };

export function retryOptions(policy: KafkaRetryPolicy): RetryOptions {
  return {
    retries: policy.retries,
    initialRetryTime: policy.initialRetryTimeMs,
    maxRetryTime: policy.maxRetryTimeMs,
    factor: 0.2,
    multiplier: 2,
  };
}

export function clientOptions(config: KafkaConfig, retry: KafkaRetryPolicy): KafkajsConfig {
  return {
    clientId: config.clientId,
    brokers: [...config.brokers],
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: Math.min(10_000, config.requestTimeoutMs),
    retry: retryOptions(retry),
    ssl: sslOptions(config),
    sasl: saslOptions(config),
  };
}

function sslOptions(config: KafkaConfig): KafkajsConfig['ssl'] {
  if (!config.ssl) return false;
  if (!config.sslCaFile) return true;
  try {
    return { ca: [readFileSync(config.sslCaFile, 'utf8')] };
  } catch (e) {
    throw new ConnectorError('SINK_SETUP', `cannot read sink.kafka.sslCaFile ${config.sslCaFile}`, { cause: e });
  }
}

function saslOptions(config: KafkaConfig): SASLOptions | undefined {
  const username = config.saslUsername;
  const password = config.saslPassword;
  switch (config.saslMechanism) {
    case 'none': return undefined;
    case 'plain': return { mechanism: 'plain', username, password };
    case 'scram-sha-256': return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512': return { mechanism: 'scram-sha-512', username, password };
  }
}

export function producerOptions(retry: KafkaRetryPolicy): ProducerConfig {
  return {
    // Java-compatible key hashing: murmur2(key) & 0x7fffffff % partitions (kafkajs 2's default;
    // named explicitly so kafkajs does not warn about the v1 -> v2 partitioner change).
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    // One request per connection; the send queue already keeps one batch in flight.
    maxInFlightRequests: 1,
    // Topics are created (or checked) by ensureTopics, never implicitly by a metadata request.
    allowAutoTopicCreation: false,
    retry: retryOptions(retry),
  };
}

export function compressionType(config: KafkaConfig): CompressionTypes {
  return config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}

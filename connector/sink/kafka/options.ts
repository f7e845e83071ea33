/**
 * The Kafka sink's options: `sink.kafka` in the configuration.
 * config/load.ts validates and freezes them; config/types.ts composes them into WalcastConfig.
 */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly createTopics: boolean;
  readonly compression: KafkaCompression;
  /** Configs of topics walcast creates, as `name=value` (e.g. `cleanup.policy=compact`). */
  readonly topicConfig: readonly string[];
  readonly batchMaxRecords: number;
  /** Most bytes of records (keys, values, headers, framing) per produce request. */
  readonly batchMaxBytes: number;
  readonly requestTimeoutMs: number;
  readonly ssl: boolean;
  readonly sslCaFile: string;
  readonly sslCertFile: string;
  readonly sslKeyFile: string;
  readonly saslMechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly saslUsername: string;
  readonly saslPassword: string;
  /** Records of whole PostgreSQL transactions committed in Kafka transactions with an offset record. */
  readonly exactlyOnce: boolean;
  /** Exactly-once: transaction.timeout.ms (the broker aborts a Kafka transaction open longer). */
  readonly transactionTimeoutMs: number;
  /** transactional.id of the exactly-once producer; derived from name and slot when empty. */
  readonly transactionalId: string;
  /** json: Debezium's JSON as the envelope stage writes it; avro: Confluent wire format + schema registry. */
  readonly format: KafkaFormat;
  readonly schemaRegistry: SchemaRegistryOptions;
}

export type KafkaFormat = 'json' | 'avro';

/** The schema registry of format avro (Confluent REST API). */
export interface SchemaRegistryOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

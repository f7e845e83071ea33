/**
 * The typed, frozen configuration every stage receives. Produced by `config/load.ts` from the
 * convict schema (JSON file + WALCAST_* env); stages never see convict.
 */
export type Plugin = 'pgoutput' | 'wal2json';
export type PublicationMode = 'filtered' | 'all_tables' | 'disabled';
export type SnapshotMode = 'initial' | 'always' | 'never' | 'initial_only' | 'when_needed';
export type SinkType = 'kafka' | 'nats' | 'stdout';
export type DecimalHandling = 'precise' | 'double' | 'string';
export type TimePrecision = 'adaptive' | 'adaptive_time_microseconds' | 'connect';
export type BinaryHandling = 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
export type IntervalHandling = 'numeric' | 'string';

export interface SourceConfig {
  readonly url: string;
  readonly plugin: Plugin;
  readonly slot: string;
  readonly publication: string;
  readonly publicationMode: PublicationMode;
  /** `schema.table` patterns; `*` matches any run of characters within one part. */
  readonly tables: readonly string[];
  readonly excludeTables: readonly string[];
  /** Standby status update interval (keeps wal_sender_timeout from firing). */
  readonly heartbeatMs: number;
  /** Stop reading the replication socket above this many unacknowledged events; resume below half. */
  readonly maxInFlightEvents: number;
  /** Emit logical decoding messages (pg_logical_emit_message) as op 'm'. */
  readonly messages: boolean;
  /** Backoff bounds when the slot is held by another process or the connection drops. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

export interface SnapshotConfig {
  readonly mode: SnapshotMode;
  readonly parallelism: number;
  readonly chunkRows: number;
}

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly createTopics: boolean;
  readonly compression: KafkaCompression;
  /** Configs of topics walcast creates, as `name=value` (e.g. `cleanup.policy=compact`). */
  readonly topicConfig: readonly string[];
  readonly batchMaxRecords: number;
  readonly requestTimeoutMs: number;
  readonly ssl: boolean;
  readonly sslCaFile: string;
  readonly sslCertFile: string;
  readonly sslKeyFile: string;
  readonly saslMechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly saslUsername: string;
  readonly saslPassword: string;
}

export interface NatsConfig {
  readonly servers: readonly string[];
  readonly stream: string;
  readonly createStream: boolean;
  readonly duplicateWindowMs: number;
  readonly maxInFlight: number;
  readonly user: string;
  readonly pass: string;
  readonly token: string;
  readonly nkeySeed: string;
  readonly credsFile: string;
  readonly tlsCaFile: string;
}

export interface SinkConfig {
  readonly type: SinkType;
  readonly kafka: KafkaConfig;
  readonly nats: NatsConfig;
}

export interface EnvelopeConfig {
  readonly tombstonesOnDelete: boolean;
  readonly decimalHandling: DecimalHandling;
  readonly timePrecision: TimePrecision;
  readonly binaryHandling: BinaryHandling;
  readonly intervalHandling: IntervalHandling;
}

export interface OffsetsConfig {
  /**
   * Directory of the connector's state file (`<name>.state.json`): which slot a completed
   * snapshot belongs to. Mount it on a volume in containers.
   */
  readonly stateDir: string;
}

export interface WalcastConfig {
  readonly name: string;
  readonly source: SourceConfig;
  readonly snapshot: SnapshotConfig;
  readonly sink: SinkConfig;
  /** Defaults to `name`. */
  readonly topicPrefix: string;
  readonly envelope: EnvelopeConfig;
  readonly offsets: OffsetsConfig;
  readonly http: { readonly port: number };
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error' | 'silent' };
}

/**
 * The typed, frozen configuration every stage receives. Produced by `config/load.ts` from the
 * convict schema (JSON file + WALCAST_* env); stages never see convict.
 */
export type Plugin = 'pgoutput' | 'wal2json';
export type PublicationMode = 'filtered' | 'all_tables' | 'disabled';
export type SnapshotMode = 'initial' | 'always' | 'never' | 'initial_only' | 'when_needed';
export type SinkType = 'kafka' | 'nats' | 'stdout';
export type DecimalHandling = 'precise' | 'double' | 'string';
export type TimePrecision = 'adaptive' | 'adaptive_time_microseconds' | 'connect' | 'isostring';
export type BinaryHandling = 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
export type IntervalHandling = 'numeric' | 'string';
export type HstoreHandling = 'json' | 'map';
/** Debezium schema.name.adjustment.mode (config/load.ts resolves the key's `auto`). */
export type SchemaNameAdjustment = 'none' | 'avro' | 'avro_unicode';
/** Debezium `skipped.operations`: c create, u update, d delete, t truncate. */
export type SkippableOperation = 'c' | 'u' | 'd' | 't';

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
  /**
   * pgoutput on PostgreSQL 14+: have the server stream large transactions while they run
   * (proto_version 2, streaming on) instead of spilling them to its own disk until COMMIT.
   * walcast keeps them (memory, then local disk) and publishes at the commit. Ignored by wal2json.
   */
  readonly streamInProgress: boolean;
  /** Memory for streamed in-progress transactions, all together; beyond it they go to local disk. */
  readonly streamSpillMemoryBytes: number;
  /** Local disk for streamed in-progress transactions, all together; 0: no quota. Past it: SPILL_QUOTA. */
  readonly streamSpillMaxBytes: number;
  /** Backoff bounds when the slot is held by another process or the connection drops. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** How often walcast_lag_bytes is read from the server; 0 disables. */
  readonly lagPollMs: number;
}

export interface SnapshotConfig {
  readonly mode: SnapshotMode;
  readonly parallelism: number;
  readonly chunkRows: number;
  /**
   * Kafka only: after a snapshot, delete (op d + tombstone) every key the table's topic held
   * before it and the snapshot did not produce: rows deleted while walcast could not see them.
   */
  readonly deleteMissing: boolean;
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
  /** Records of whole PostgreSQL transactions committed in Kafka transactions with an offset record. */
  readonly exactlyOnce: boolean;
  /** transactional.id of the exactly-once producer; derived from name and slot when empty. */
  readonly transactionalId: string;
  /** json: Debezium's JSON as the envelope stage writes it; avro: Confluent wire format + schema registry. */
  readonly format: KafkaFormat;
  readonly schemaRegistry: KafkaSchemaRegistryConfig;
}

export type KafkaFormat = 'json' | 'avro';

/** The schema registry of format avro (Confluent REST API). */
export interface KafkaSchemaRegistryConfig {
  readonly url: string;
  readonly username: string;
  readonly password: string;
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
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
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
  /**
   * hstore values: json (an io.debezium.data.Json string) or map (a Connect map of string to
   * optional string), Debezium hstore.handling.mode. Always set by config/load.ts; absent means json.
   */
  readonly hstoreHandling?: HstoreHandling;
  /**
   * How the record names of the Connect schemas (`<topic>.Key|Value|Envelope`) are made valid
   * Avro names (Debezium schema.name.adjustment.mode). config/load.ts resolves `auto`: avro with
   * sink.kafka.format avro, else none. Absent means none.
   */
  readonly schemaNameAdjustment?: SchemaNameAdjustment;
  /** Change kinds not emitted (Debezium skipped.operations); a skipped delete takes its tombstone along. */
  readonly skippedOperations: readonly SkippableOperation[];
  /** Logical-message prefixes to emit: regexes matching the whole prefix; empty = all. */
  readonly messagePrefixInclude: readonly string[];
  /** Logical-message prefixes not to emit (regexes matching the whole prefix); not with messagePrefixInclude. */
  readonly messagePrefixExclude: readonly string[];
  /** `schema.table.column` patterns: only these columns in before/after (empty = all). */
  readonly columnInclude: readonly string[];
  /** `schema.table.column` patterns left out of before/after; not with columnInclude. */
  readonly columnExclude: readonly string[];
  /** `schema.table.column=N`: character values cut to N characters (Debezium column.truncate.to.N.chars). */
  readonly columnTruncate: readonly string[];
  /** `schema.table.column=N`: character values replaced by N `*` (Debezium column.mask.with.N.chars). */
  readonly columnMask: readonly string[];
  /** `schema.table.column` patterns: character values replaced by the hex digest of salt + value (Debezium column.mask.hash.v2). */
  readonly columnMaskWithHash: readonly string[];
  /** Digest for columnMaskWithHash, as Java names it (SHA-256, SHA-512, SHA-1, MD5, ...). */
  readonly columnHashAlgorithm: string;
  /** Salt for columnMaskWithHash. */
  readonly columnHashSalt: string;
  /** `schema.table:col1,col2`: the message key of matching tables (Debezium message.key.columns). */
  readonly messageKeyColumns: readonly string[];
  /*
   * The two below are always set by config/load.ts; optional so that EnvelopeConfig literals
   * written before them (tests, other stages) still type-check: absent means false.
   */
  /** Kafka Connect JSON with schemas: every key and value is `{schema, payload}` (JsonConverter schemas.enable). */
  readonly schemas?: boolean;
  /**
   * Debezium provide.transaction.metadata: BEGIN/END records on `<topicPrefix>.transaction` and
   * the `transaction` block (id, total_order, data_collection_order) in change events.
   */
  readonly transactionMetadata?: boolean;
  /**
   * Kafka Connect JsonConverter replace.null.with.default: a null in a column with a literal
   * default is written as the default. Absent means true (the converter's default).
   */
  readonly replaceNullWithDefault?: boolean;
}

/** Debezium heartbeats: a record on `<topicPrefix of heartbeats>.<topicPrefix>` every intervalMs. */
export interface HeartbeatConfig {
  /** 0 disables heartbeat records (Debezium heartbeat.interval.ms). */
  readonly intervalMs: number;
  /** Debezium topic.heartbeat.prefix: the topic is `<topicPrefix>.<connector topicPrefix>`. */
  readonly topicPrefix: string;
  /** SQL run on the source at each heartbeat (Debezium heartbeat.action.query); empty: none. */
  readonly actionQuery: string;
}

export interface OffsetsConfig {
  /**
   * Where the connector state (slot identity, snapshot progress and completion) lives: `broker`
   * beside the data (Kafka: compacted topic `offsets.topic`; NATS: key-value bucket
   * `offsets.bucket`), `file` in `stateDir`, `auto` = broker for kafka/nats sinks, file for stdout.
   */
  readonly store: 'auto' | 'file' | 'broker';
  /**
   * Directory of the connector's state file (`<name>.state.json`). Mount it on a volume in
   * containers. With a broker store, a file found here is migrated on first start.
   */
  readonly stateDir: string;
  /** Kafka: the compacted topic holding connector state, keyed by connector name. */
  readonly topic: string;
  /** NATS: the JetStream key-value bucket holding connector state, keyed by connector name. */
  readonly bucket: string;
}

export interface WalcastConfig {
  readonly name: string;
  readonly source: SourceConfig;
  readonly snapshot: SnapshotConfig;
  readonly sink: SinkConfig;
  /** Defaults to `name`. */
  readonly topicPrefix: string;
  readonly envelope: EnvelopeConfig;
  readonly heartbeat: HeartbeatConfig;
  readonly offsets: OffsetsConfig;
  readonly http: { readonly port: number };
  /** format auto: human-readable lines when stderr is a terminal, JSON otherwise. */
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error' | 'silent'; readonly format: 'auto' | 'json' | 'pretty' };
}

/**
 * The envelope stage's options: the `envelope` section of the configuration (Debezium's
 * converter and handling modes).
 * config/load.ts validates and freezes them; config/types.ts composes them into WalcastConfig.
 */
export type DecimalHandling = 'precise' | 'double' | 'string';

export type TimePrecision = 'adaptive' | 'adaptive_time_microseconds' | 'connect' | 'isostring';

export type BinaryHandling = 'bytes' | 'base64' | 'base64-url-safe' | 'hex';

export type IntervalHandling = 'numeric' | 'string';

export type HstoreHandling = 'json' | 'map';

/** Debezium schema.name.adjustment.mode (config/load.ts resolves the key's `auto`). */
export type SchemaNameAdjustment = 'none' | 'avro' | 'avro_unicode';

/** Debezium `skipped.operations`: c create, u update, d delete, t truncate. */
export type SkippableOperation = 'c' | 'u' | 'd' | 't';

export interface EnvelopeOptions {
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
   * The two below are always set by config/load.ts; optional so that EnvelopeOptions literals
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

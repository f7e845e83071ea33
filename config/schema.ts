/**
 * The convict schema: every key of `WalcastConfig` (config/types.ts) with its doc, format,
 * default and `WALCAST_<PATH>` env variable. Only config/load.ts uses it; stages receive the
 * typed, frozen result.
 *
 * Ranges and cross-field rules live in config/checks.ts so that every problem is reported at
 * once (convict stops at nothing, but its formats see one key at a time).
 *
 * Derived defaults: an empty string for `source.slot`, `source.publication`, `topicPrefix`,
 * `sink.nats.stream` and `sink.kafka.clientId` means "derive from `name`" (see load.ts).
 */
import convict from 'convict';
import type { WalcastConfig } from './types';

/**
 * A list of strings. From env it is comma-separated (`WALCAST_SINK_KAFKA_BROKERS=a:9092,b:9092`);
 * blanks around items are trimmed and empty items dropped, so `""` is the empty list.
 */
export const STRING_LIST = 'walcast-string-list';

convict.addFormat({
  name: STRING_LIST,
  validate(value: unknown): void {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw new Error('must be a list of strings');
    }
  },
  coerce(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  },
});

/** An integer. From env only plain decimal digits convert (`"12abc"` stays a string and fails). */
export const INTEGER = 'walcast-int';

convict.addFormat({
  name: INTEGER,
  validate(value: unknown): void {
    if (!Number.isSafeInteger(value)) throw new Error('must be an integer');
  },
  coerce(value: unknown): unknown {
    return typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  },
});

/** true/false. From env `true|false|1|0|yes|no` (any case); anything else fails instead of meaning true. */
export const BOOLEAN = 'walcast-boolean';

convict.addFormat({
  name: BOOLEAN,
  validate(value: unknown): void {
    if (typeof value !== 'boolean') throw new Error('must be true or false');
  },
  coerce(value: unknown): unknown {
    if (typeof value !== 'string') return value;
    const v = value.trim().toLowerCase();
    if (v === 'true' || v === '1' || v === 'yes') return true;
    if (v === 'false' || v === '0' || v === 'no') return false;
    return value;
  },
});

function stringFormat(value: unknown): void {
  if (typeof value !== 'string') throw new Error('must be a string');
}

/** A schema leaf; the shape check below ties the schema's keys to WalcastConfig's both ways. */
interface Leaf { readonly doc: string; readonly default: unknown; readonly env: string }

/** Builds `{ doc, format, default, env }` with the env name derived from the key path. */
function key<T>(path: string, doc: string, format: convict.SchemaObj['format'], def: T, sensitive = false): convict.SchemaObj<T> & Leaf {
  const env = 'WALCAST_' + path.split('.').map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2')).join('_').toUpperCase();
  return sensitive ? { doc, format, default: def, env, sensitive: true } : { doc, format, default: def, env };
}

const str = (path: string, doc: string, def: string, sensitive = false) => key(path, doc, stringFormat, def, sensitive);
const bool = (path: string, doc: string, def: boolean) => key(path, doc, BOOLEAN, def);
const int = (path: string, doc: string, def: number) => key(path, doc, INTEGER, def);
const list = (path: string, doc: string, def: string[]) => key(path, doc, STRING_LIST, def);

type SchemaShape<T> = { readonly [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] | string | number | boolean ? Leaf : SchemaShape<T[K]> };

// `satisfies SchemaShape<WalcastConfig>`: a key missing from the schema, or one the types do
// not have, is a compile error. (convict.Schema<T> does not fit readonly arrays.)
export const schema = {
  name: str('name', 'Connector name: Debezium source.name, default topic prefix, slot and publication suffix. Required.', ''),
  source: {
    url: str('source.url', 'PostgreSQL connection URL (postgres:// or postgresql://). Holds the password.', '', true),
    plugin: key('source.plugin', 'Logical decoding output plugin.', ['pgoutput', 'wal2json'], 'pgoutput'),
    slot: str('source.slot', 'Replication slot name ([a-z0-9_], at most 63). Default walcast_<name>.', ''),
    publication: str('source.publication', 'Publication name (pgoutput). Default walcast_<name>.', ''),
    publicationMode: key('source.publicationMode', 'filtered: publication holds exactly the configured tables; all_tables: FOR ALL TABLES; disabled: use an existing publication as is.',
      ['filtered', 'all_tables', 'disabled'], 'filtered'),
    tables: list('source.tables', 'Tables to capture as schema.table patterns; * matches any run of characters within a part; "..." quotes a part.', ['public.*']),
    excludeTables: list('source.excludeTables', 'Patterns removed from the tables matched by source.tables.', []),
    heartbeatMs: int('source.heartbeatMs', 'Standby status update interval in ms (keep below wal_sender_timeout).', 10000),
    maxInFlightEvents: int('source.maxInFlightEvents', 'Pause reading the slot above this many unacknowledged events; resume below half. Bounds memory: 5000 keeps the process under 200 MB RSS.', 5000),
    messages: bool('source.messages', 'Emit logical decoding messages (pg_logical_emit_message) as op m.', true),
    streamInProgress: bool('source.streamInProgress', 'pgoutput on PostgreSQL 14+: receive large transactions while they run (proto_version 2, streaming on), keep them on local disk, publish at COMMIT. Off, or with wal2json or PostgreSQL < 14: the server holds each transaction until COMMIT.', true),
    streamSpillMemoryBytes: int('source.streamSpillMemoryBytes', 'Bytes of streamed in-progress transactions kept in memory (all together); the rest is spilled to <offsets.stateDir>/<name>.spill/.', 8 * 1024 * 1024),
    streamSpillMaxBytes: int('source.streamSpillMaxBytes', 'Local disk quota for streamed in-progress transactions, all together, in bytes; 0: none. Past it walcast stops with SPILL_QUOTA (exit 2) instead of filling the disk.', 0),
    retryInitialMs: int('source.retryInitialMs', 'First backoff delay in ms when the slot is busy or the connection drops.', 500),
    retryMaxMs: int('source.retryMaxMs', 'Largest backoff delay in ms.', 30000),
    lagPollMs: int('source.lagPollMs', 'How often the slot\'s lag (walcast_lag_bytes: pg_current_wal_lsn() - confirmed_flush_lsn) is read from the server, in ms; 0 disables.', 10000),
  },
  snapshot: {
    mode: key('snapshot.mode', 'When to snapshot existing rows.', ['initial', 'always', 'never', 'initial_only', 'when_needed'], 'initial'),
    parallelism: int('snapshot.parallelism', 'Reader connections sharing the exported snapshot.', 1),
    chunkRows: int('snapshot.chunkRows', 'Rows per chunk: tables are read in key ranges (ctid page ranges without a key) of about this size.', 10000),
    deleteMissing: bool('snapshot.deleteMissing', 'Kafka sink: after each snapshot, publish a delete (and a tombstone when tombstones are on) for every key a table\'s topic held before the snapshot and the snapshot did not produce, i.e. rows deleted while walcast could not see them (a re-snapshot after the slot was lost). Reads each topic twice; about 16 bytes of memory per key of the largest topic.', false),
  },
  sink: {
    type: key('sink.type', 'Where envelopes go.', ['kafka', 'nats', 'stdout'], 'kafka'),
    kafka: {
      brokers: list('sink.kafka.brokers', 'Bootstrap brokers host:port (env: comma-separated).', ['127.0.0.1:9092']),
      clientId: str('sink.kafka.clientId', 'Kafka client id. Default walcast-<name>.', ''),
      partitions: int('sink.kafka.partitions', 'Partitions for topics walcast creates.', 1),
      replicationFactor: int('sink.kafka.replicationFactor', 'Replication factor for topics walcast creates.', 1),
      createTopics: bool('sink.kafka.createTopics', 'Create missing topics.', true),
      compression: key('sink.kafka.compression', 'Producer compression of record batches.', ['none', 'gzip', 'snappy', 'lz4', 'zstd'], 'none'),
      topicConfig: list('sink.kafka.topicConfig', 'Configs of topics walcast creates, as name=value (env: comma-separated), e.g. cleanup.policy=compact.', []),
      batchMaxRecords: int('sink.kafka.batchMaxRecords', 'Most records per produce request.', 1000),
      batchMaxBytes: int('sink.kafka.batchMaxBytes', 'Most bytes of records (keys, values, headers and their framing, before compression) per produce request; keep it under the topics\' max.message.bytes (1 MB by default). A max.message.bytes in topicConfig lowers it to fit. One larger record is still sent alone.', 1_000_000),
      requestTimeoutMs: int('sink.kafka.requestTimeoutMs', 'Produce request timeout in ms.', 30000),
      transactionTimeoutMs: int('sink.kafka.transactionTimeoutMs', 'Exactly-once: how long a Kafka transaction may stay open before the broker aborts it (transaction.timeout.ms), in ms. One PostgreSQL transaction is one Kafka transaction, so this bounds how long the largest one may take to stream; at most the broker\'s transaction.max.timeout.ms (15 min by default). A walcast killed with a transaction open holds read_committed consumers of those partitions until its restart aborts it, or this long.', 300000),
      ssl: bool('sink.kafka.ssl', 'Connect with TLS.', false),
      sslCaFile: str('sink.kafka.sslCaFile', 'PEM file with the CA certificate(s) to trust (TLS). Default: the system trust store.', ''),
      sslCertFile: str('sink.kafka.sslCertFile', 'PEM client certificate for mutual TLS (with sslKeyFile).', ''),
      sslKeyFile: str('sink.kafka.sslKeyFile', 'PEM private key of sslCertFile (mutual TLS).', ''),
      saslMechanism: key('sink.kafka.saslMechanism', 'SASL mechanism.', ['none', 'plain', 'scram-sha-256', 'scram-sha-512'], 'none'),
      saslUsername: str('sink.kafka.saslUsername', 'SASL user name.', ''),
      saslPassword: str('sink.kafka.saslPassword', 'SASL password.', '', true),
      format: key('sink.kafka.format', 'Record format: json (Debezium JSON) or avro (Confluent wire format, schemas in sink.kafka.schemaRegistry; key and value both Avro).', ['json', 'avro'], 'json'),
      schemaRegistry: {
        url: str('sink.kafka.schemaRegistry.url', 'Schema registry base URL (Confluent REST API, e.g. http://registry:8081 or Apicurio\'s http://host:8080/apis/ccompat/v7). Required with format avro.', ''),
        username: str('sink.kafka.schemaRegistry.username', 'Schema registry basic-auth user (empty: no auth).', ''),
        password: str('sink.kafka.schemaRegistry.password', 'Schema registry basic-auth password.', '', true),
      },
      exactlyOnce: bool('sink.kafka.exactlyOnce', 'Exactly-once delivery: records of whole PostgreSQL transactions (and snapshot batches) are committed in Kafka transactions together with an offset record in offsets.topic; read the topics with isolation.level=read_committed. Needs the broker state store.', false),
      transactionalId: str('sink.kafka.transactionalId', 'Kafka transactional.id of the exactly-once producer; a second instance with the same id fences the first. Default walcast-<name>-<source.slot>.', ''),
    },
    nats: {
      servers: list('sink.nats.servers', 'NATS servers (env: comma-separated).', ['127.0.0.1:4222']),
      stream: str('sink.nats.stream', 'JetStream stream name. Default: name.', ''),
      createStream: bool('sink.nats.createStream', 'Create the stream when missing.', true),
      duplicateWindowMs: int('sink.nats.duplicateWindowMs', 'Stream duplicate window in ms (Nats-Msg-Id deduplication).', 120000),
      maxInFlight: int('sink.nats.maxInFlight', 'Most unacknowledged publishes.', 256),
      user: str('sink.nats.user', 'NATS user (with pass).', ''),
      pass: str('sink.nats.pass', 'NATS password.', '', true),
      token: str('sink.nats.token', 'NATS auth token.', '', true),
      nkeySeed: str('sink.nats.nkeySeed', 'NATS NKey seed.', '', true),
      credsFile: str('sink.nats.credsFile', 'NATS .creds file (JWT + seed).', ''),
      tlsCaFile: str('sink.nats.tlsCaFile', 'PEM file with the CA certificate(s) to trust (TLS).', ''),
      tlsCertFile: str('sink.nats.tlsCertFile', 'PEM client certificate (TLS), for servers that verify clients; with tlsKeyFile.', ''),
      tlsKeyFile: str('sink.nats.tlsKeyFile', 'PEM private key of tlsCertFile.', ''),
    },
  },
  topicPrefix: str('topicPrefix', 'Topic / subject prefix: <topicPrefix>.<schema>.<table>. Default: name.', ''),
  envelope: {
    tombstonesOnDelete: bool('envelope.tombstonesOnDelete', 'Follow each delete with a tombstone (same key, null value).', true),
    decimalHandling: key('envelope.decimalHandling', 'numeric values: precise (Debezium bytes), double, or string.', ['precise', 'double', 'string'], 'precise'),
    timePrecision: key('envelope.timePrecision', 'Temporal values as in Debezium time.precision.mode.',
      ['adaptive', 'adaptive_time_microseconds', 'connect', 'isostring'], 'adaptive'),
    binaryHandling: key('envelope.binaryHandling', 'bytea values.', ['bytes', 'base64', 'base64-url-safe', 'hex'], 'bytes'),
    intervalHandling: key('envelope.intervalHandling', 'interval values: numeric (microseconds) or string (ISO 8601).', ['numeric', 'string'], 'numeric'),
    hstoreHandling: key('envelope.hstoreHandling', 'hstore values: json (a JSON object text, io.debezium.data.Json) or map (a map of string to optional string), as Debezium hstore.handling.mode.', ['json', 'map'], 'json'),
    schemaNameAdjustment: key('envelope.schemaNameAdjustment', 'Record names of the schemas (<topic>.Key, .Value, .Envelope) made valid Avro names, as Debezium schema.name.adjustment.mode: none; avro (each invalid character becomes _; a leading digit gets a _ before it); avro_unicode (each invalid character, _ included, becomes _uXXXX); auto: avro with sink.kafka.format avro, else none. Valid names never change.', ['auto', 'none', 'avro', 'avro_unicode'], 'auto'),
    skippedOperations: list('envelope.skippedOperations', 'Change kinds not to emit, as Debezium skipped.operations: any of c (insert), u (update, key changes included), d (delete, with its tombstone), t (truncate). Debezium\'s default is t; walcast\'s is none.', []),
    messagePrefixInclude: list('envelope.messagePrefixInclude', 'Emit only logical messages whose prefix fully matches one of these regular expressions (Debezium message.prefix.include.list). Empty: all.', []),
    columnInclude: list('envelope.columnInclude', 'Only these columns in before/after, as schema.table.column patterns (* within a part, "..." quotes a part); empty: all. Debezium column.include.list.', []),
    columnExclude: list('envelope.columnExclude', 'Columns left out of before/after, as schema.table.column patterns; the key keeps its columns. Debezium column.exclude.list.', []),
    columnTruncate: list('envelope.columnTruncate', 'schema.table.column=N: text, varchar and char values longer than N characters are cut to N (Debezium column.truncate.to.N.chars).', []),
    columnMask: list('envelope.columnMask', 'schema.table.column=N: text, varchar and char values replaced by N asterisks (Debezium column.mask.with.N.chars).', []),
    columnMaskWithHash: list('envelope.columnMaskWithHash', 'schema.table.column patterns: text, varchar and char values replaced by the lower-case hex digest of columnHashSalt + the value\'s UTF-8 bytes (Debezium column.mask.hash.v2.<algorithm>.with.salt.<salt>).', []),
    columnHashAlgorithm: str('envelope.columnHashAlgorithm', 'Digest of columnMaskWithHash: SHA-256, SHA-384, SHA-512, SHA-1 or MD5.', 'SHA-256'),
    columnHashSalt: str('envelope.columnHashSalt', 'Salt of columnMaskWithHash.', '', true),
    messageKeyColumns: list('envelope.messageKeyColumns', 'schema.table:col1,col2 (table pattern, * within a part): these columns, in this order, are the message key of the matching tables instead of the primary key (Debezium message.key.columns). From env the comma list may continue a rule: public.orders:a,b.', []),
    messagePrefixExclude: list('envelope.messagePrefixExclude', 'Do not emit logical messages whose prefix fully matches one of these regular expressions (Debezium message.prefix.exclude.list).', []),
    schemas: bool('envelope.schemas', 'Kafka Connect JSON with schemas: each key and value is {"schema": ..., "payload": ...} with Debezium\'s schema names and semantic types (JsonConverter schemas.enable=true).', false),
    replaceNullWithDefault: bool('envelope.replaceNullWithDefault', 'A null in a column with a literal default (\'x\'::text, 42, true) is written as that default, as Kafka Connect\'s JsonConverter does with its default replace.null.with.default=true (schemas on and off, Avro too). false: nulls stay null, as PostgreSQL holds them.', true),
    transactionMetadata: bool('envelope.transactionMetadata', 'BEGIN/END records with per-table event counts on <topicPrefix>.transaction, and the transaction block (id, total_order, data_collection_order) in change events (Debezium provide.transaction.metadata).', false),
  },
  heartbeat: {
    intervalMs: int('heartbeat.intervalMs', 'Emit a heartbeat record every this many ms (Debezium heartbeat.interval.ms); 0 disables.', 0),
    topicPrefix: str('heartbeat.topicPrefix', 'Heartbeat topic: <heartbeat.topicPrefix>.<topicPrefix> (Debezium topic.heartbeat.prefix).', '__debezium-heartbeat'),
    actionQuery: str('heartbeat.actionQuery', 'SQL run on the source database at each heartbeat, e.g. an UPDATE of a heartbeat table so a quiet database still produces changes (Debezium heartbeat.action.query). Empty: none.', ''),
  },
  offsets: {
    store: key('offsets.store', 'Where the connector state lives: broker (Kafka compacted topic / NATS key-value bucket), file (stateDir), auto (broker unless sink.type is stdout).', ['auto', 'file', 'broker'], 'auto'),
    stateDir: str('offsets.stateDir', 'Directory for the state file <name>.state.json (slot identity, snapshot completion). Keep it on a volume. With a broker store a file found here is migrated on first start.', './walcast-state'),
    topic: str('offsets.topic', 'Kafka: compacted topic holding connector state (one record per connector name).', 'walcast.state'),
    bucket: str('offsets.bucket', 'NATS: JetStream key-value bucket holding connector state (one key per connector name).', 'walcast-state'),
  },
  http: {
    port: int('http.port', 'Port for GET /health and /metrics; 0 disables the server.', 8083),
  },
  log: {
    level: key('log.level', 'Log level.', ['debug', 'info', 'warn', 'error', 'silent'], 'info'),
    format: key('log.format', 'auto: one human-readable line per entry when stderr is a terminal, JSON lines otherwise; json or pretty to choose.', ['auto', 'json', 'pretty'], 'auto'),
  },
} satisfies SchemaShape<WalcastConfig>;

/** The `WALCAST_*` variable of every key, e.g. for `--help` and docs. */
export function envVariables(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (isLeaf(v)) out[path] = v.env;
      else walk(v as Record<string, unknown>, path);
    }
  };
  walk(schema, '');
  return out;
}

/** True for a schema leaf (`{ default, env, ... }`); false for a group of keys. */
/** What a leaf's value must be, in the words its format's own check uses. */
export function leafExpectation(leaf: { readonly format?: unknown }): string {
  const f = leaf.format;
  if (f === STRING_LIST) return 'must be a list of strings';
  if (f === INTEGER) return 'must be an integer';
  if (f === BOOLEAN) return 'must be true or false';
  if (Array.isArray(f)) return `must be one of ${f.map((v) => JSON.stringify(v)).join(', ')}`;
  return 'must be a string';
}

export function isLeaf(node: unknown): node is { default: unknown; env: string; sensitive?: boolean; format?: unknown } {
  return typeof node === 'object' && node !== null && 'default' in node;
}

/**
 * Cross-field and range checks run after convict's per-key formats. Each returns problems as
 * `path: reason` strings and never echoes a secret (the URL is described, not shown).
 *
 * Input is the loaded instance before it is trusted: a key convict already reported as the
 * wrong type is skipped here (every check is guarded by `typeof`), so a problem is reported
 * once.
 */
import { HASH_ALGORITHMS, parseKeyColumnRules, parseSizedPattern } from '../connector/envelope/column-controls';
import { parseColumnPattern, parseTablePattern } from '../connector/source/tables';
import { SSL_MODES } from '../connector/source/pg-url';
import { accessSync, constants } from 'node:fs';

type Obj = Record<string, unknown>;

/**
 * PostgreSQL's ReplicationSlotValidateName: lower-case letters, digits and underscore, at most
 * NAMEDATALEN-1 = 63 bytes.
 */
export const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
/**
 * Publication names are quoted in our SQL, but pgoutput parses its `publication_names` option
 * as an identifier list (SplitIdentifierString), which folds unquoted names to lower case.
 * Requiring a plain lower-case identifier keeps the two spellings the same.
 */
export const PUBLICATION_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Letters, digits, `_`, `-`: valid in a Kafka topic, a NATS subject token and a stream name. */
export const CONNECTOR_NAME = /^[A-Za-z0-9_-]{1,63}$/;
/** Dot-separated tokens: valid as a Kafka topic prefix and as leading NATS subject tokens. */
export const TOPIC_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/** JetStream stream names may not contain whitespace, `.`, `*`, `>`, or path separators. */
export const STREAM_NAME = /^[^\s.*>/\\]{1,255}$/;

export function checkConfig(c: Obj, env: NodeJS.ProcessEnv = process.env): string[] {
  const source = group(c, 'source');
  const snapshot = group(c, 'snapshot');
  const sink = group(c, 'sink');
  const kafka = group(sink, 'kafka');
  const nats = group(sink, 'nats');
  const problems: string[] = [];
  const add = (p: string | undefined) => { if (p !== undefined) problems.push(p); };

  add(matches(c.name, 'name', CONNECTOR_NAME, 'is required: letters, digits, _ and - (at most 63)'));
  problems.push(...checkUrl(source.url, env));
  add(matches(source.slot, 'source.slot', SLOT_NAME, 'must be lower-case letters, digits and _ (at most 63), as PostgreSQL requires of slot names'));
  add(matches(source.publication, 'source.publication', PUBLICATION_NAME, 'must be a lower-case identifier: a-z, 0-9, _ (at most 63, not starting with a digit)'));
  if (Array.isArray(source.tables) && source.tables.length === 0) problems.push('source.tables: list at least one schema.table pattern');
  problems.push(...checkPatterns(source.tables, 'source.tables'), ...checkPatterns(source.excludeTables, 'source.excludeTables'));
  add(range(source.heartbeatMs, 'source.heartbeatMs', 100, 600_000));
  add(range(source.maxInFlightEvents, 'source.maxInFlightEvents', 1, 10_000_000));
  add(range(source.streamSpillMemoryBytes, 'source.streamSpillMemoryBytes', 1024, 4 * 1024 * 1024 * 1024));
  add(range(source.streamSpillMaxBytes, 'source.streamSpillMaxBytes', 0, Number.MAX_SAFE_INTEGER));
  add(range(source.retryInitialMs, 'source.retryInitialMs', 1, 3_600_000));
  add(range(source.retryMaxMs, 'source.retryMaxMs', 1, 3_600_000));
  add(range(source.lagPollMs, 'source.lagPollMs', 0, 3_600_000));
  if (isInt(source.retryInitialMs) && isInt(source.retryMaxMs) && source.retryMaxMs < source.retryInitialMs) {
    problems.push('source.retryMaxMs: must be at least source.retryInitialMs');
  }

  add(range(snapshot.parallelism, 'snapshot.parallelism', 1, 64));
  add(range(snapshot.chunkRows, 'snapshot.chunkRows', 1, 10_000_000));
  if (snapshot.deleteMissing === true && sink.type !== 'kafka') {
    problems.push(sink.type === 'nats'
      ? 'snapshot.deleteMissing: not supported with the NATS sink: a stream keeps all rows of a table on one subject with the key in a header, so JetStream has no last message per key to compare with the table; use the kafka sink, or leave it off'
      : `snapshot.deleteMissing: needs the kafka sink (it reads each table's topic); sink.type is ${String(sink.type)}`);
  }

  add(range(kafka.partitions, 'sink.kafka.partitions', 1, 100_000));
  add(range(kafka.replicationFactor, 'sink.kafka.replicationFactor', 1, 32_767));
  add(range(kafka.batchMaxRecords, 'sink.kafka.batchMaxRecords', 1, 1_000_000));
  add(range(kafka.batchMaxBytes, 'sink.kafka.batchMaxBytes', 1024, 100 * 1024 * 1024));
  add(range(kafka.requestTimeoutMs, 'sink.kafka.requestTimeoutMs', 100, 3_600_000));
  add(range(kafka.transactionTimeoutMs, 'sink.kafka.transactionTimeoutMs', 1000, 2_147_483_647));
  add(range(nats.duplicateWindowMs, 'sink.nats.duplicateWindowMs', 0, 86_400_000));
  add(range(nats.maxInFlight, 'sink.nats.maxInFlight', 1, 1_000_000));
  const offsets = group(c, 'offsets');
  if (offsets.store === 'broker' && sink.type === 'stdout') problems.push('offsets.store: "broker" needs a kafka or nats sink; the stdout sink keeps its state in a file (offsets.store file or auto)');
  add(matches(offsets.bucket, 'offsets.bucket', /^[-\w]{1,255}$/, 'letters, digits, _ and - only (a JetStream key-value bucket name)'));
  add(matches(offsets.topic, 'offsets.topic', /^[A-Za-z0-9._-]{1,249}$/, 'letters, digits, ., _ and - only (a Kafka topic name)'));
  if (sink.type === 'kafka') problems.push(...checkKafka(kafka));
  if (kafka.exactlyOnce === true) {
    if (sink.type !== 'kafka') problems.push(`sink.kafka.exactlyOnce: needs sink.type kafka (sink.type is ${String(sink.type)})`);
    // The offset record is written in the sink's Kafka transactions: it must live in offsets.topic.
    if (offsets.store === 'file') problems.push('sink.kafka.exactlyOnce: needs the broker state store (offsets.store auto or broker); the offset record is committed in offsets.topic with the data');
    if (typeof kafka.transactionalId === 'string' && (kafka.transactionalId.length > 249 || /\s/.test(kafka.transactionalId))) {
      problems.push('sink.kafka.transactionalId: at most 249 characters, no whitespace');
    }
  }
  if (sink.type === 'nats') problems.push(...checkNats(nats));

  add(matches(c.topicPrefix, 'topicPrefix', TOPIC_PREFIX, 'must be dot-separated tokens of letters, digits, _ and -'));
  if (typeof c.topicPrefix === 'string' && c.topicPrefix.length > 200) problems.push('topicPrefix: at most 200 characters (Kafka topic names end at 249)');
  add(range(group(c, 'http').port, 'http.port', 0, 65_535));
  problems.push(...checkEnvelopeFilters(group(c, 'envelope')));
  problems.push(...checkHeartbeat(group(c, 'heartbeat'), sink));
  return problems;
}

/** heartbeat.*: interval range, a topic prefix Kafka and NATS accept, a subject the stream covers. */
function checkHeartbeat(hb: Obj, sink: Obj): string[] {
  const problems: string[] = [];
  const r = range(hb.intervalMs, 'heartbeat.intervalMs', 0, 86_400_000);
  if (r !== undefined) problems.push(r);
  const m = matches(hb.topicPrefix, 'heartbeat.topicPrefix', TOPIC_PREFIX, 'must be dot-separated tokens of letters, digits, _ and -');
  if (m !== undefined) problems.push(m);
  const on = isInt(hb.intervalMs) && hb.intervalMs > 0;
  if (!on && typeof hb.actionQuery === 'string' && hb.actionQuery.trim() !== '') {
    problems.push('heartbeat.actionQuery: runs at each heartbeat; set heartbeat.intervalMs too');
  }
  if (on && sink.type === 'nats' && group(sink, 'nats').createStream === true) {
    problems.push('heartbeat.intervalMs: the heartbeat subject <heartbeat.topicPrefix>.<topicPrefix> lies outside the <topicPrefix>.> subjects of the stream walcast creates; ' +
      'create the stream with both subjects yourself and set sink.nats.createStream false');
  }
  return problems;
}

const SKIPPABLE = ['c', 'u', 'd', 't'];

function checkEnvelopeFilters(e: Obj): string[] {
  const problems: string[] = [];
  if (Array.isArray(e.skippedOperations)) {
    const bad = e.skippedOperations.filter((o) => !SKIPPABLE.includes(String(o)));
    if (bad.length > 0) problems.push(`envelope.skippedOperations: ${bad.map((b) => JSON.stringify(b)).join(', ')} not one of c, u, d, t`);
  }
  for (const k of ['messagePrefixInclude', 'messagePrefixExclude'] as const) {
    if (!Array.isArray(e[k])) continue;
    for (const r of e[k] as unknown[]) {
      try { new RegExp(String(r), 'u'); } catch (err) { problems.push(`envelope.${k}: ${JSON.stringify(r)} is not a regular expression (${(err as Error).message})`); }
    }
  }
  if (Array.isArray(e.messagePrefixInclude) && e.messagePrefixInclude.length > 0 && Array.isArray(e.messagePrefixExclude) && e.messagePrefixExclude.length > 0) {
    problems.push('envelope.messagePrefixExclude: set messagePrefixInclude or messagePrefixExclude, not both (as Debezium requires)');
  }
  const each = (k: string, parse: (entry: string) => unknown): void => {
    if (!Array.isArray(e[k])) return;
    for (const entry of e[k] as unknown[]) {
      try { parse(String(entry)); } catch (err) { problems.push(`envelope.${k}: ${(err as Error).message}`); }
    }
  };
  each('columnInclude', parseColumnPattern);
  each('columnExclude', parseColumnPattern);
  each('columnTruncate', parseSizedPattern);
  each('columnMaskWithHash', parseColumnPattern);
  if (Array.isArray(e.messageKeyColumns)) {
    try { parseKeyColumnRules(e.messageKeyColumns.map(String)); } catch (err) { problems.push(`envelope.messageKeyColumns: ${(err as Error).message}`); }
  }
  if (typeof e.columnHashAlgorithm === 'string' && HASH_ALGORITHMS[e.columnHashAlgorithm] === undefined) {
    problems.push(`envelope.columnHashAlgorithm: "${e.columnHashAlgorithm}" not one of ${Object.keys(HASH_ALGORITHMS).join(', ')}`);
  }
  each('columnMask', (entry) => {
    if (parseSizedPattern(entry).n === 0) throw new RangeError(`${JSON.stringify(entry)}: mask with at least 1 character`);
  });
  if (Array.isArray(e.columnInclude) && e.columnInclude.length > 0 && Array.isArray(e.columnExclude) && e.columnExclude.length > 0) {
    problems.push('envelope.columnExclude: set columnInclude or columnExclude, not both (as Debezium requires)');
  }
  return problems;
}

function checkKafka(k: Obj): string[] {
  const problems: string[] = [];
  if (Array.isArray(k.brokers)) {
    if (k.brokers.length === 0) problems.push('sink.kafka.brokers: sink.type kafka needs at least one broker');
    for (const b of k.brokers) {
      if (typeof b === 'string' && !isHostPort(b)) problems.push(`sink.kafka.brokers: ${JSON.stringify(b)} is not host:port`);
    }
  }
  if (typeof k.saslMechanism === 'string' && k.saslMechanism !== 'none') {
    if (k.saslUsername === '') problems.push(`sink.kafka.saslUsername: required with saslMechanism ${k.saslMechanism}`);
    if (k.saslPassword === '') problems.push(`sink.kafka.saslPassword: required with saslMechanism ${k.saslMechanism}`);
  }
  for (const file of ['sslCaFile', 'sslCertFile', 'sslKeyFile']) {
    if (k.ssl === false && typeof k[file] === 'string' && k[file] !== '') problems.push(`sink.kafka.${file}: set while sink.kafka.ssl is false`);
  }
  if ((k.sslCertFile === '') !== (k.sslKeyFile === '') && typeof k.sslCertFile === 'string' && typeof k.sslKeyFile === 'string') {
    problems.push('sink.kafka.sslCertFile and sink.kafka.sslKeyFile: set both (mutual TLS) or neither');
  }
  problems.push(...checkSchemaRegistry(k));
  if (Array.isArray(k.topicConfig)) {
    for (const entry of k.topicConfig) {
      if (typeof entry === 'string' && !/^\s*[a-z0-9._-]+\s*=/i.test(entry)) {
        problems.push(`sink.kafka.topicConfig: ${JSON.stringify(entry)} is not name=value`);
      }
    }
  }
  return problems;
}

function checkSchemaRegistry(k: Obj): string[] {
  const problems: string[] = [];
  const r = (typeof k.schemaRegistry === 'object' && k.schemaRegistry !== null ? k.schemaRegistry : {}) as Obj;
  const url = typeof r.url === 'string' ? r.url : '';
  if (k.format === 'avro' && url === '') problems.push('sink.kafka.schemaRegistry.url: required with sink.kafka.format avro');
  if (url !== '') {
    let parsed: URL | undefined;
    try { parsed = new URL(url); } catch { /* reported below */ }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      problems.push(`sink.kafka.schemaRegistry.url: ${JSON.stringify(url)} is not an http:// or https:// URL`);
    }
    if (k.format !== 'avro') problems.push('sink.kafka.schemaRegistry.url: set while sink.kafka.format is not avro');
  }
  if ((r.username === '') !== (r.password === '') && typeof r.username === 'string' && typeof r.password === 'string') {
    problems.push('sink.kafka.schemaRegistry.username and .password: set both (basic auth) or neither');
  }
  return problems;
}

function checkNats(n: Obj): string[] {
  const problems: string[] = [];
  if (Array.isArray(n.servers)) {
    if (n.servers.length === 0) problems.push('sink.nats.servers: sink.type nats needs at least one server');
    for (const s of n.servers) {
      if (typeof s === 'string' && /\s/.test(s)) problems.push(`sink.nats.servers: ${JSON.stringify(s)} contains whitespace`);
    }
  }
  const p = matches(n.stream, 'sink.nats.stream', STREAM_NAME, 'must not contain whitespace, ".", "*", ">", "/" or "\\"');
  if (p !== undefined) problems.push(p);
  const set = (v: unknown) => typeof v === 'string' && v !== '';
  if (set(n.user) !== set(n.pass)) problems.push('sink.nats.user, sink.nats.pass: set both or neither');
  if (set(n.tlsCertFile) !== set(n.tlsKeyFile)) problems.push('sink.nats.tlsCertFile, sink.nats.tlsKeyFile: set both or neither');
  const methods = [set(n.user) || set(n.pass), set(n.token), set(n.nkeySeed), set(n.credsFile)].filter(Boolean).length;
  if (methods > 1) problems.push('sink.nats: choose one authentication method of user/pass, token, nkeySeed, credsFile');
  return problems;
}

/** Describes what is wrong with the URL without ever echoing it (it may hold a password). */
function checkUrl(url: unknown, env: NodeJS.ProcessEnv): string[] {
  if (typeof url !== 'string') return [];
  if (url === '') return ['source.url: is required (postgres://user:password@host:5432/dbname)'];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return ['source.url: is not a valid URL (expected postgres://user:password@host:5432/dbname)'];
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    return [`source.url: scheme must be postgres:// or postgresql://, not ${JSON.stringify(parsed.protocol.replace(/:$/, ''))}`];
  }
  const problems: string[] = [];
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
    problems.push('source.url: names no host (give host in the URL or as ?host=/socket/dir)');
  }
  if (parsed.port !== '' && Number(parsed.port) === 0) problems.push('source.url: port must be 1-65535');
  return [...problems, ...checkTls(parsed.searchParams, env)];
}

/** The URL's TLS parameters, as libpq reads them (connector/source/pg-url.ts). File paths are no secret: they are named. */
function checkTls(params: URLSearchParams, env: NodeJS.ProcessEnv): string[] {
  if (params.has('uselibpqcompat')) return []; // node-postgres's own reading, asked for by name
  const problems: string[] = [];
  const mode = params.get('sslmode') ?? env.PGSSLMODE;
  const where = params.has('sslmode') ? 'source.url: sslmode' : 'PGSSLMODE';
  if (mode !== undefined && mode !== '' && !(SSL_MODES as readonly string[]).includes(mode)) {
    problems.push(`${where} ${JSON.stringify(mode)} is not one of ${SSL_MODES.join(', ')}${mode === 'no-verify' ? ' (no-verify is node-postgres\'s name for require)' : ''}`);
  }
  const rootCert = params.get('sslrootcert');
  if (mode === 'verify-ca' && (rootCert === null || rootCert === 'system')) {
    problems.push(`${where} verify-ca: give the CA certificate to verify against as sslrootcert=<file> (or use verify-full, which also checks the host name)`);
  }
  if (rootCert === 'system' && mode !== 'verify-full') {
    problems.push('source.url: sslrootcert=system (the system\'s CA store) takes sslmode=verify-full, as in libpq');
  }
  if (params.has('sslcert') !== params.has('sslkey')) {
    problems.push(`source.url: ${params.has('sslcert') ? 'sslcert without sslkey' : 'sslkey without sslcert'}: a client certificate takes both`);
  }
  for (const key of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = params.get(key);
    if (file === null || (key === 'sslrootcert' && file === 'system')) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (e) {
      problems.push(`source.url: ${key} ${JSON.stringify(file)} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  return problems;
}

function checkPatterns(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) return [];
  const problems: string[] = [];
  for (const p of value) {
    if (typeof p !== 'string') continue;
    try {
      parseTablePattern(p);
    } catch (e) {
      problems.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

function isHostPort(s: string): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65_535;
}

function matches(value: unknown, path: string, re: RegExp, reason: string): string | undefined {
  if (typeof value !== 'string' || re.test(value)) return undefined;
  return `${path}: ${reason}${value === '' ? '' : `, got ${JSON.stringify(value)}`}`;
}

function range(value: unknown, path: string, min: number, max: number): string | undefined {
  if (!isInt(value) || (value >= min && value <= max)) return undefined;
  return `${path}: must be between ${min} and ${max}, got ${value}`;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function group(o: Obj, k: string): Obj {
  const v = o[k];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

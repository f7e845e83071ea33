/**
 * Maps a Debezium Server `application.properties` (PostgreSQL connector; kafka or
 * nats-jetstream sink) to a partial walcast config. Every key is either mapped, refused with a
 * problem (a value walcast cannot honour: better to stop than to stream something else), or
 * listed as ignored (no walcast equivalent; the caller warns once with the whole list).
 *
 * The result is loaded below the JSON config file and WALCAST_* env (config/load.ts), so those
 * still override it.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { columnRegexToPattern, schemaRegexToPattern, splitList, tableRegexToPattern } from './debezium-regex';
import { mapRecordFormat } from './debezium-format';
import { expandEnv, parseProperties } from './java-properties';

type Obj = Record<string, unknown>;

export interface DebeziumMapping {
  /** Partial walcast config (nested objects), ready for convict's `load`. */
  readonly config: Obj;
  /** Full property names that have no walcast equivalent, sorted. */
  readonly ignored: readonly string[];
  /** `property: reason` for values walcast cannot honour. */
  readonly problems: readonly string[];
}

const SOURCE = 'debezium.source.';
const POSTGRES_CONNECTOR = 'io.debezium.connector.postgresql.PostgresConnector';

/** Reads and maps the file; an unreadable file is one problem. */
export function readDebeziumProperties(file: string, env: NodeJS.ProcessEnv): DebeziumMapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : String(e);
    return { config: {}, ignored: [], problems: [code === 'ENOENT' ? `Debezium properties ${file}: not found` : `Debezium properties ${file}: cannot be read (${code})`] };
  }
  return mapDebeziumProperties(parseProperties(text), env);
}

export function mapDebeziumProperties(raw: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv = {}): DebeziumMapping {
  const problems: string[] = [];
  const props = new Map<string, string>();
  for (const [k, v] of raw) {
    // Kafka Connect's config providers (${file:/path:key}, ${env:NAME}, ${vault:...}) read as
    // Quarkus' ${NAME:default} would silently become the literal text after the colon.
    const provider = /\$\{(file|env|directory|vault|aws|azure|gcp|secrets?|k8s|kubernetes):/i.exec(v);
    if (provider !== null) {
      problems.push(`${k}: \${${provider[1]}:...} is a Kafka Connect config provider, which walcast does not read: put the value in an environment variable and write \${NAME}`);
      continue;
    }
    const missing: string[] = [];
    props.set(k, expandEnv(v, env, missing));
    for (const m of missing) problems.push(`${k}: \${${m}} is not set in the environment and has no default`);
  }
  const used = new Set<string>();
  const get = (key: string): string | undefined => {
    const v = props.get(key);
    if (v !== undefined) used.add(key);
    return v;
  };
  const config: Obj = {};
  const set = (path: string, value: unknown): void => {
    const parts = path.split('.');
    let node = config;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Obj;
    node[parts[parts.length - 1]!] = value;
  };
  /** Maps a value through `table`, or reports the values walcast accepts. */
  const choice = (key: string, path: string, table: Readonly<Record<string, string>>, refused: Readonly<Record<string, string>> = {}): void => {
    const v = get(key);
    if (v === undefined) return;
    const mapped = table[v.trim().toLowerCase()];
    if (mapped !== undefined) set(path, mapped);
    else problems.push(`${key}: "${v}" ${refused[v.trim().toLowerCase()] ?? `is not supported (walcast accepts ${Object.keys(table).join(', ')})`}`);
  };
  const boolean = (key: string, path: string): void => {
    const v = get(key);
    if (v === undefined) return;
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === 'false') set(path, t === 'true');
    else problems.push(`${key}: "${v}" must be true or false`);
  };

  // A Kafka Connect connector config (connector.properties, or the REST JSON) has the same
  // keys without Debezium Server's prefix: every one would be ignored.
  if (![...raw.keys()].some((k) => k.startsWith('debezium.')) && [...raw.keys()].some((k) => CONNECT_KEYS.test(k))) {
    problems.push('these are Kafka Connect connector settings (database.hostname, topic.prefix, ... without a prefix): walcast reads a Debezium Server '
      + 'application.properties, where the connector\'s keys start with debezium.source. (debezium.source.database.hostname, ...); prefix them, '
      + 'or give walcast a JSON config');
  }
  refuseOutputChanges(props, get, problems);
  const connector = get(`${SOURCE}connector.class`);
  if (connector !== undefined && connector.trim() !== POSTGRES_CONNECTOR) {
    problems.push(`${SOURCE}connector.class: "${connector}" is not supported: walcast is a PostgreSQL connector (${POSTGRES_CONNECTOR})`);
  }
  mapSource(get, set, choice, boolean, problems, env);
  mapColumns(props, get, set, problems);
  mapSink(get, set, choice, boolean, problems);

  mapRecordFormat(get, set, problems);
  mapSchemasEnable(get, set, problems);
  mapReplaceNullWithDefault(get, set, problems);

  const ignored = [...props.keys()].filter((k) => !used.has(k)).sort();
  return { config, ignored, problems };
}

/**
 * debezium.format[.key|.value].schemas.enable (or Kafka Connect's key.converter. /
 * value.converter.) → envelope.schemas. Debezium Server's JSON format is Kafka Connect's
 * JsonConverter with its default schemas.enable=true (Debezium's ConverterBuilder sets no
 * other), so without these keys the records carry schemas.
 */
function mapSchemasEnable(get: Get, set: Set, problems: string[]): void {
  const v = converterFlag(get, problems, 'schemas.enable', 'envelope.schemas', true);
  if (v !== null) set('envelope.schemas', v ?? true);
}

/**
 * JsonConverter replace.null.with.default (Debezium Server's debezium.format[.key|.value]. and
 * Kafka Connect's key.converter. / value.converter.) → envelope.replaceNullWithDefault; absent:
 * walcast's default, the converter's (true).
 */
function mapReplaceNullWithDefault(get: Get, set: Set, problems: string[]): void {
  const v = converterFlag(get, problems, 'replace.null.with.default', 'envelope.replaceNullWithDefault', true);
  if (v !== null && v !== undefined) set('envelope.replaceNullWithDefault', v);
}

/**
 * A boolean converter setting, per side as Debezium Server applies it: the key converter reads
 * debezium.format.key.<setting> (or key.converter.<setting>), else debezium.format.<setting>,
 * else the converter's default; the value converter likewise. walcast writes keys and values
 * alike, so two sides that end up different are a problem (a key written differently moves
 * records to other partitions and splits compacted keys). undefined when nothing is given; null
 * on a problem.
 */
function converterFlag(get: Get, problems: string[], setting: string, path: string, def: boolean): boolean | null | undefined {
  let bad = false;
  const read = (k: string): boolean | undefined => {
    const v = get(k)?.trim().toLowerCase();
    if (v === undefined) return undefined;
    if (v === 'true' || v === 'false') return v === 'true';
    problems.push(`${k}: "${v}" must be true or false`);
    bad = true;
    return undefined;
  };
  const common = read(`debezium.format.${setting}`);
  const side = (name: 'key' | 'value'): { key: string; value: boolean } | undefined => {
    const keys = [`debezium.format.${name}.${setting}`, `${name}.converter.${setting}`];
    const given = keys.map((k) => [k, read(k)] as const).filter((e): e is readonly [string, boolean] => e[1] !== undefined);
    if (given.length === 2 && given[0]![1] !== given[1]![1]) {
      problems.push(`${given[0]![0]}, ${given[1]![0]}: the ${name} converter's ${setting} is given twice, differently`);
      bad = true;
    }
    return given[0] === undefined ? undefined : { key: given[0][0], value: given[0][1] };
  };
  const k = side('key');
  const v = side('value');
  if (bad) return null;
  if (common === undefined && k === undefined && v === undefined) return undefined;
  const keySide = k?.value ?? common ?? def;
  const valueSide = v?.value ?? common ?? def;
  if (keySide !== valueSide) {
    const says = (s: { key: string; value: boolean } | undefined, b: boolean) => (s ? `${s.key}=${s.value}` : `${b} (${common !== undefined ? `debezium.format.${setting}` : 'the converter\'s default'})`);
    problems.push(`${setting}: keys get ${says(k, keySide)}, values ${says(v, valueSide)}; walcast writes keys and values alike (${path}): `
      + 'give both sides the same value');
    return null;
  }
  return keySide;
}

/** Keys of a Kafka Connect PostgreSQL connector config, without Debezium Server's prefix. */
const CONNECT_KEYS = /^(connector\.class|database\.(hostname|dbname|user)|topic\.prefix|table\.include\.list|plugin\.name|slot\.name)$/;

/**
 * Debezium settings that change which topics get records or what the records hold, and that
 * walcast does not implement. Left at their defaults they change nothing; otherwise they are
 * problems, not "ignored": consumers would get other topics or other records than from Debezium.
 */
const OUTPUT_CHANGES: ReadonlyArray<readonly [RegExp, string, (v: string) => boolean]> = [
  [/^debezium\.transforms(\..+)?$/, 'single message transforms are not supported (records would reach consumers untransformed)', (v) => v.trim() === ''],
  [/^debezium\.predicates(\..+)?$/, 'transform predicates are not supported', (v) => v.trim() === ''],
  [/^debezium\.source\.topic\.delimiter$/, 'walcast names topics <topic.prefix>.<schema>.<table>', (v) => v === '.'],
  [/^debezium\.source\.topic\.naming\.strategy$/, 'walcast names topics as the default strategy does', (v) => /^io\.debezium\.schema\.SchemaTopicNamingStrategy$/.test(v.trim())],
  [/^debezium\.source\.topic\.transaction$/, 'walcast names the transaction topic <topic.prefix>.transaction', (v) => v.trim() === 'transaction'],
  [/^debezium\.source\.publish\.via\.partition\.root$/, 'walcast does not publish partitions under their root table', (v) => v.trim().toLowerCase() === 'false'],
  [/^debezium\.source\.include\.unknown\.datatypes$/, 'walcast leaves columns of unknown types out', (v) => v.trim().toLowerCase() === 'false'],
  [/^debezium\.source\.unavailable\.value\.placeholder$/, 'walcast writes Debezium\'s default placeholder', (v) => v === '__debezium_unavailable_value'],
  [/^debezium\.source\.converters$/, 'custom converters are not supported', (v) => v.trim() === ''],
  [/^debezium\.source\.(column|datatype)\.propagate\.source\.type$/, 'source type parameters in schemas are not supported', (v) => v.trim() === ''],
  [/^debezium\.source\.money\.fraction\.digits$/, 'walcast writes money with 2 fraction digits', (v) => v.trim() === '2'],
  [/^debezium\.source\.snapshot\.select\.statement\.overrides(\..+)?$/, 'snapshot SELECT overrides are not supported (walcast reads whole tables)', (v) => v.trim() === ''],
  [/^debezium\.source\.snapshot\.include\.collection\.list$/, 'the snapshot reads every table source.tables selects', (v) => v.trim() === ''],
  [/^debezium\.source\.signal\.data\.collection$/, 'signals (incremental and ad hoc snapshots) are not supported', (v) => v.trim() === ''],
  [/^debezium\.source\.flush\.lsn\.source$/, 'walcast always confirms the slot once the broker acknowledged', (v) => v.trim().toLowerCase() === 'true'],
];

function refuseOutputChanges(props: ReadonlyMap<string, string>, get: Get, problems: string[]): void {
  for (const [k, v] of props) {
    const rule = OUTPUT_CHANGES.find(([re]) => re.test(k));
    if (rule === undefined) continue;
    get(k); // handled here: not "ignored"
    if (!rule[2](v)) problems.push(`${k}: "${v}" is not supported: ${rule[1]}`);
  }
}

type Get = (key: string) => string | undefined;
type Set = (path: string, value: unknown) => void;
type Choice = (key: string, path: string, table: Readonly<Record<string, string>>, refused?: Readonly<Record<string, string>>) => void;
type Bool = (key: string, path: string) => void;

function mapSource(get: Get, set: Set, choice: Choice, boolean: Bool, problems: string[], env: NodeJS.ProcessEnv): void {
  const s = (k: string) => `${SOURCE}${k}`;
  const url = connectionUrl(get, problems, env);
  if (url !== undefined) set('source.url', url);

  // topic.prefix (Debezium 2+) or database.server.name (1.x) names the topics; the connector
  // name defaults to it (made a valid walcast name) unless `name` is given.
  const prefix = get(s('topic.prefix')) ?? get(s('database.server.name'));
  if (prefix !== undefined) set('topicPrefix', prefix);
  const name = get(s('name')) ?? prefix;
  if (name !== undefined) set('name', name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 63));

  const slot = get(s('slot.name'));
  if (slot !== undefined) set('source.slot', slot);
  const publication = get(s('publication.name'));
  if (publication !== undefined) set('source.publication', publication);
  choice(s('publication.autocreate.mode'), 'source.publicationMode', { all_tables: 'all_tables', filtered: 'filtered', disabled: 'disabled' },
    { no_tables: 'is not supported: walcast manages the publication\'s tables itself (use filtered, or disabled with a publication you maintain)' });
  choice(s('plugin.name'), 'source.plugin', { pgoutput: 'pgoutput', wal2json: 'wal2json' },
    { decoderbufs: 'is not supported: walcast decodes pgoutput and wal2json (pgoutput needs no server extension)' });

  mapTables(get, set, problems);

  choice(s('snapshot.mode'), 'snapshot.mode', {
    initial: 'initial', always: 'always', never: 'never', no_data: 'never', initial_only: 'initial_only', when_needed: 'when_needed', exported: 'initial',
  }, {
    custom: 'is not supported: walcast has no snapshot plug-ins',
    configuration_based: 'is not supported: choose one of initial, always, no_data, initial_only, when_needed',
    // Debezium 1.x names, renamed in 2.x: say the new name rather than list them all.
    schema_only: 'is Debezium 1.x\'s name for no_data: write no_data',
    schema_only_recovery: 'is Debezium 1.x\'s name for recovery, which walcast does not have (no schema history to recover)',
    recovery: 'is not supported: walcast has no schema history to recover',
  });
  choice(s('decimal.handling.mode'), 'envelope.decimalHandling', { precise: 'precise', double: 'double', string: 'string' });
  choice(s('time.precision.mode'), 'envelope.timePrecision', {
    adaptive: 'adaptive', adaptive_time_microseconds: 'adaptive_time_microseconds', connect: 'connect', isostring: 'isostring',
  });
  choice(s('binary.handling.mode'), 'envelope.binaryHandling', { bytes: 'bytes', base64: 'base64', 'base64-url-safe': 'base64-url-safe', hex: 'hex' });
  choice(s('interval.handling.mode'), 'envelope.intervalHandling', { numeric: 'numeric', string: 'string' });
  boolean(s('tombstones.on.delete'), 'envelope.tombstonesOnDelete');
  choice(s('hstore.handling.mode'), 'envelope.hstoreHandling', { json: 'json', map: 'map' });
  choice(s('schema.name.adjustment.mode'), 'envelope.schemaNameAdjustment', { none: 'none', avro: 'avro', avro_unicode: 'avro_unicode' });
  mapSkippedOperations(get(s('skipped.operations')), set, problems);
  boolean(s('provide.transaction.metadata'), 'envelope.transactionMetadata');
  const heartbeatMs = get(s('heartbeat.interval.ms'));
  if (heartbeatMs !== undefined) {
    if (/^\s*\d+\s*$/.test(heartbeatMs)) set('heartbeat.intervalMs', Number(heartbeatMs));
    else problems.push(`${s('heartbeat.interval.ms')}: "${heartbeatMs}" must be a number of milliseconds`);
  }
  const heartbeatPrefix = get(s('topic.heartbeat.prefix'));
  if (heartbeatPrefix !== undefined) set('heartbeat.topicPrefix', heartbeatPrefix.trim());
  const heartbeatQuery = get(s('heartbeat.action.query'));
  if (heartbeatQuery !== undefined) set('heartbeat.actionQuery', heartbeatQuery);
  const msgInc = get(s('message.prefix.include.list'));
  if (msgInc !== undefined) set('envelope.messagePrefixInclude', splitList(msgInc));
  const msgExc = get(s('message.prefix.exclude.list'));
  if (msgExc !== undefined) set('envelope.messagePrefixExclude', splitList(msgExc));

  // Debezium Server keeps offsets in this file; walcast keeps its state file in a directory.
  const offsetFile = get(s('offset.storage.file.filename'));
  if (offsetFile !== undefined) {
    set('offsets.store', 'file');
    set('offsets.stateDir', dirname(offsetFile));
  }
  const offsetStore = get(s('offset.storage'));
  if (offsetStore !== undefined && offsetStore.trim() !== 'org.apache.kafka.connect.storage.FileOffsetBackingStore') {
    problems.push(`${s('offset.storage')}: "${offsetStore}" is not supported: walcast keeps its state in a file (offsets.store file) or on the broker (offsets.store broker)`);
  }
}

/**
 * column.include/exclude.list and the column mappers whose size is in the key's name
 * (column.truncate.to.N.chars, column.mask.with.N.chars, column.mask.hash.v2.<alg>.with.salt.<salt>).
 * and message.key.columns. v1 hashing is refused: walcast does not offer it.
 */
function mapColumns(props: ReadonlyMap<string, string>, get: Get, set: Set, problems: string[]): void {
  const translate = (key: string, value: string, suffix = ''): string[] => splitList(value).flatMap((regex) => {
    const t = columnRegexToPattern(regex);
    if (t.ok) return [t.pattern + suffix];
    problems.push(`${key}: "${regex}" ${t.reason}; walcast takes schema.table.column patterns with * (see README "Migrating from Debezium")`);
    return [];
  });
  for (const [list, path] of [['column.include.list', 'envelope.columnInclude'], ['column.exclude.list', 'envelope.columnExclude']] as const) {
    const key = `${SOURCE}${list}`;
    const v = get(key) ?? get(`${SOURCE}${list.replace('include.list', 'whitelist').replace('exclude.list', 'blacklist')}`);
    if (v !== undefined) set(path, translate(key, v));
  }
  const truncate: string[] = [];
  const mask: string[] = [];
  let hash: { key: string; algorithm: string; salt: string; columns: string[] } | undefined;
  for (const key of props.keys()) {
    const sized = /^debezium\.source\.column\.(truncate\.to|mask\.with)\.(\d+)\.chars$/.exec(key);
    if (sized !== null) {
      (sized[1] === 'truncate.to' ? truncate : mask).push(...translate(key, get(key)!, `=${sized[2]}`));
    } else if (key.startsWith(`${SOURCE}column.mask.hash.v2.`)) {
      const hashKey = /^debezium\.source\.column\.mask\.hash\.v2\.([^.]+(?:-\d+)?)\.with\.salt\.(.*)$/.exec(key);
      const columns = get(key)!;
      if (hashKey === null) { problems.push(`${key}: expected column.mask.hash.v2.<algorithm>.with.salt.<salt>`); continue; }
      const [, algorithm, salt] = hashKey as unknown as [string, string, string];
      if (hash !== undefined && (hash.algorithm !== algorithm || hash.salt !== salt)) {
        problems.push(`${key}: walcast hashes with one algorithm and salt; ${hash.key} already sets them`);
        continue;
      }
      hash = { key, algorithm, salt, columns: [...(hash?.columns ?? []), ...translate(key, columns)] };
    } else if (key.startsWith(`${SOURCE}column.mask.hash.`)) {
      get(key);
      problems.push(`${key}: v1 hashing (Java serialization of the value) is not offered; use column.mask.hash.v2.<algorithm>.with.salt.<salt>`);
    }
  }
  if (hash !== undefined) {
    set('envelope.columnMaskWithHash', hash.columns);
    set('envelope.columnHashAlgorithm', hash.algorithm);
    set('envelope.columnHashSalt', hash.salt);
  }
  // message.key.columns: `<table regex>:<col>,<col>;<table regex>:<col>...`
  const keyColumnsKey = `${SOURCE}message.key.columns`;
  const keyColumns = get(keyColumnsKey);
  if (keyColumns !== undefined) {
    const rules: string[] = [];
    for (const rule of keyColumns.split(';').map((r) => r.trim()).filter((r) => r !== '')) {
      const colon = rule.lastIndexOf(':');
      const t = colon < 0 ? { ok: false as const, reason: 'has no ":" before its columns' } : tableRegexToPattern(rule.slice(0, colon).trim());
      if (t.ok) rules.push(`${t.pattern}:${splitList(rule.slice(colon + 1)).join(',')}`);
      else problems.push(`${keyColumnsKey}: "${rule}" ${t.reason}; walcast takes schema.table:col1,col2 with * in the table pattern`);
    }
    set('envelope.messageKeyColumns', rules);
  }
  if (truncate.length > 0) set('envelope.columnTruncate', truncate);
  if (mask.length > 0) set('envelope.columnMask', mask);
}

/** Debezium's default is `t` (truncates not emitted); `none` is the empty list. */
function mapSkippedOperations(value: string | undefined, set: Set, problems: string[]): void {
  const key = `${SOURCE}skipped.operations`;
  const ops = splitList(value ?? 't').map((o) => o.toLowerCase());
  if (ops.includes('none')) {
    if (ops.length > 1) problems.push(`${key}: "none" cannot be combined with operations`);
    set('envelope.skippedOperations', []);
    return;
  }
  const bad = ops.filter((o) => !['c', 'u', 'd', 't'].includes(o));
  if (bad.length > 0) problems.push(`${key}: ${bad.map((b) => `"${b}"`).join(', ')} not one of c, u, d, t, none`);
  else set('envelope.skippedOperations', ops);
}

/**
 * database.* → a postgresql:// URL; user and password percent-encoded. The TLS keys become the
 * URL's libpq parameters (connector/source/pg-url.ts reads them as PgJDBC does); without
 * database.sslmode (and PGSSLMODE) the URL says prefer, Debezium's default (TLS where the server
 * offers it).
 */
function connectionUrl(get: Get, problems: string[], env: NodeJS.ProcessEnv): string | undefined {
  const s = (k: string) => `${SOURCE}database.${k}`;
  const host = get(s('hostname'));
  const port = get(s('port'));
  const user = get(s('user'));
  const password = get(s('password'));
  const db = get(s('dbname'));
  const sslmode = get(s('sslmode'));
  const tls = {
    // PGSSLMODE, when set, says it instead (pg-url.ts reads it for a URL without sslmode).
    sslmode: sslmode ?? (env.PGSSLMODE ? undefined : 'prefer'),
    sslrootcert: get(s('sslrootcert')),
    sslcert: get(s('sslcert')),
    sslkey: get(s('sslkey')),
  };
  if (get(s('sslpassword')) !== undefined) {
    problems.push(`${s('sslpassword')}: an encrypted client key is not supported; give database.sslkey a key file without a passphrase (openssl pkey -in <key> -out <plain key>)`);
  }
  if ([host, port, user, password, db, sslmode, tls.sslrootcert, tls.sslcert, tls.sslkey].every((v) => v === undefined)) return undefined;
  if (host === undefined) problems.push(`${s('hostname')}: missing (needed with the other database.* keys)`);
  // A URL cannot carry a password without a user: it would be dropped without a word.
  if (password !== undefined && user === undefined) problems.push(`${s('user')}: missing (database.password is given; Debezium requires both)`);
  if (port !== undefined && !/^\d{1,5}$/.test(port.trim())) problems.push(`${s('port')}: "${port}" must be a port number`);
  if (host === undefined) return undefined;
  const auth = user === undefined ? '' : `${encodeURIComponent(user)}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@`;
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host; // IPv6 literal
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(tls)) if (value !== undefined) params.set(key, value);
  const query = params.size > 0 ? `?${params.toString()}` : '';
  return `postgresql://${auth}${hostPart}:${(port ?? '5432').trim()}/${encodeURIComponent(db ?? 'postgres')}${query}`;
}

function mapTables(get: Get, set: Set, problems: string[]): void {
  const s = (k: string) => `${SOURCE}${k}`;
  const convert = (key: string, toPattern: typeof tableRegexToPattern): string[] | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    const out: string[] = [];
    for (const regex of splitList(v)) {
      const t = toPattern(regex);
      if (t.ok) out.push(t.pattern);
      else problems.push(`${key}: "${regex}" ${t.reason}; walcast takes schema.table patterns with * (see README "Migrating from Debezium")`);
    }
    return out;
  };
  const tableInc = convert(s('table.include.list'), tableRegexToPattern) ?? convert(s('table.whitelist'), tableRegexToPattern);
  const schemaInc = convert(s('schema.include.list'), schemaRegexToPattern) ?? convert(s('schema.whitelist'), schemaRegexToPattern);
  const tableExc = convert(s('table.exclude.list'), tableRegexToPattern) ?? convert(s('table.blacklist'), tableRegexToPattern);
  const schemaExc = convert(s('schema.exclude.list'), schemaRegexToPattern) ?? convert(s('schema.blacklist'), schemaRegexToPattern);
  if (tableInc !== undefined && schemaInc !== undefined) {
    // Debezium intersects them; walcast's include list is a union. Refuse rather than widen.
    problems.push(`${s('table.include.list')}: cannot be combined with ${s('schema.include.list')} (Debezium takes tables matching both); list the tables as schema.table in table.include.list`);
  } else if (tableInc !== undefined || schemaInc !== undefined) {
    set('source.tables', tableInc ?? schemaInc);
  } else {
    // Debezium captures every non-system schema by default; walcast's default is public.*.
    set('source.tables', ['*.*']);
  }
  const exclude = [...(tableExc ?? []), ...(schemaExc ?? [])];
  if (exclude.length > 0) set('source.excludeTables', exclude);
}

function mapSink(get: Get, set: Set, choice: Choice, boolean: Bool, problems: string[]): void {
  const type = get('debezium.sink.type');
  if (type === undefined) return;
  const t = type.trim();
  if (t === 'kafka') mapKafka(get, set, choice, problems);
  else if (t === 'nats-jetstream') mapNats(get, set, boolean, problems);
  else { problems.push(`debezium.sink.type: "${type}" is not supported (walcast writes to kafka or nats-jetstream)`); return; }
  set('sink.type', t === 'kafka' ? 'kafka' : 'nats');
}

const PASS_THROUGH_SERIALIZERS: ReadonlySet<string> = new Set([
  'org.apache.kafka.common.serialization.StringSerializer', 'org.apache.kafka.common.serialization.ByteArraySerializer',
]);

function mapKafka(get: Get, set: Set, choice: Choice, problems: string[]): void {
  const p = (k: string) => `debezium.sink.kafka.producer.${k}`;
  const brokers = get(p('bootstrap.servers'));
  if (brokers !== undefined) set('sink.kafka.brokers', splitList(brokers));
  const clientId = get(p('client.id'));
  if (clientId !== undefined) set('sink.kafka.clientId', clientId);
  choice(p('compression.type'), 'sink.kafka.compression', { none: 'none', gzip: 'gzip', snappy: 'snappy', lz4: 'lz4', zstd: 'zstd' });
  // Debezium Server requires both; the ones that send the converter's bytes as they are (what
  // walcast does) are accepted, anything else would change the bytes.
  for (const k of ['key.serializer', 'value.serializer']) {
    const v = get(p(k));
    if (v !== undefined && !PASS_THROUGH_SERIALIZERS.has(v.trim())) {
      problems.push(`${p(k)}: "${v}" is not supported: walcast sends the converter's output as it is (StringSerializer or ByteArraySerializer)`);
    }
  }

  const protocol = get(p('security.protocol'))?.trim().toUpperCase();
  if (protocol !== undefined) {
    if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) problems.push(`${p('security.protocol')}: "${protocol}" must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL`);
    set('sink.kafka.ssl', protocol === 'SSL' || protocol === 'SASL_SSL');
  }
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const mechanism = get(p('sasl.mechanism'));
  const jaas = get(p('sasl.jaas.config'));
  if (sasl) {
    const m = (mechanism ?? 'GSSAPI').trim().toUpperCase(); // Kafka's default mechanism is GSSAPI
    const ours = ({ PLAIN: 'plain', 'SCRAM-SHA-256': 'scram-sha-256', 'SCRAM-SHA-512': 'scram-sha-512' } as Record<string, string>)[m];
    if (ours === undefined) problems.push(`${p('sasl.mechanism')}: "${m}" is not supported (walcast: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
    else set('sink.kafka.saslMechanism', ours);
    if (jaas === undefined) problems.push(`${p('sasl.jaas.config')}: missing (needed for SASL: username="..." password="...")`);
    else {
      const user = /\busername\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(jaas)?.[1];
      const pass = /\bpassword\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(jaas)?.[1];
      if (user === undefined || pass === undefined) problems.push(`${p('sasl.jaas.config')}: needs username="..." and password="..." (a PlainLoginModule or ScramLoginModule entry)`);
      else { set('sink.kafka.saslUsername', unquote(user)); set('sink.kafka.saslPassword', unquote(pass)); }
    }
  }
  const storeType = get(p('ssl.truststore.type'));
  const storeLocation = get(p('ssl.truststore.location'));
  if (storeLocation !== undefined) {
    if ((storeType ?? 'JKS').trim().toUpperCase() === 'PEM') set('sink.kafka.sslCaFile', storeLocation);
    else problems.push(`${p('ssl.truststore.location')}: a ${(storeType ?? 'JKS').trim().toUpperCase()} trust store cannot be read: export its CA certificates to PEM and set ssl.truststore.type=PEM (or sink.kafka.sslCaFile)`);
  }
}

function mapNats(get: Get, set: Set, boolean: Bool, problems: string[]): void {
  const n = (k: string) => `debezium.sink.nats-jetstream.${k}`;
  const url = get(n('url'));
  if (url !== undefined) set('sink.nats.servers', splitList(url));
  const stream = get(n('stream-name'));
  // Debezium's default stream name is DebeziumStream; keep it so an existing stream is reused.
  set('sink.nats.stream', stream ?? 'DebeziumStream');
  boolean(n('create-stream'), 'sink.nats.createStream');
  if (get(n('create-stream')) === undefined) set('sink.nats.createStream', false); // Debezium's default
  const user = get(n('auth.user'));
  if (user !== undefined) set('sink.nats.user', user);
  const pass = get(n('auth.password'));
  if (pass !== undefined) set('sink.nats.pass', pass);
  const jwt = get(n('auth.jwt'));
  const seed = get(n('auth.seed'));
  if (jwt !== undefined) problems.push(`${n('auth.jwt')}: put the JWT and seed in a .creds file and set sink.nats.credsFile (walcast reads credentials from a file)`);
  else if (seed !== undefined) set('sink.nats.nkeySeed', seed);
  if (get(n('auth.tls.keystore')) !== undefined) {
    problems.push(`${n('auth.tls.keystore')}: a Java key store cannot be read: export the client certificate and key to PEM and set sink.nats.tlsCertFile and sink.nats.tlsKeyFile`);
  }
}

/** A JAAS quoted string's content: `\x` stands for x. */
function unquote(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

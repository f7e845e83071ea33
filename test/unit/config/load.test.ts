import { writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../config/load';
import { ConfigError } from '../../../config/config-error';
import { isConnectorError } from '../../../connector/errors';
import { tempDir } from '../../infra/temp-dirs';

const dir = tempDir('walcast-config-');
let n = 0;
function file(content: unknown): string {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
const URL_OK = 'postgres://app:s3cretPass@127.0.0.1:5432/app';
const minimal = { name: 'shop', source: { url: URL_OK } };

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and derives slot, publication, topicPrefix, stream and clientId from name', () => {
    const c = loadConfig({ file: file(minimal), env: {} });
    expect(c.source).toMatchObject({
      plugin: 'pgoutput', slot: 'walcast_shop', publication: 'walcast_shop', publicationMode: 'filtered',
      tables: ['public.*'], excludeTables: [], heartbeatMs: 10000, maxInFlightEvents: 5000, messages: true,
      retryInitialMs: 500, retryMaxMs: 30000,
    });
    expect(c.snapshot).toEqual({ mode: 'initial', parallelism: 1, chunkRows: 10000, deleteMissing: false });
    expect(c.sink.type).toBe('kafka');
    expect(c.sink.kafka).toMatchObject({
      brokers: ['127.0.0.1:9092'], clientId: 'walcast-shop', partitions: 1, replicationFactor: 1, createTopics: true,
      compression: 'none', batchMaxRecords: 1000, requestTimeoutMs: 30000, ssl: false, saslMechanism: 'none',
      exactlyOnce: false, transactionalId: 'walcast-shop-walcast_shop',
    });
    expect(c.sink.nats).toMatchObject({ servers: ['127.0.0.1:4222'], stream: 'shop', createStream: true, duplicateWindowMs: 120000, maxInFlight: 256 });
    expect(c.topicPrefix).toBe('shop');
    expect(c.envelope).toEqual({ tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric', hstoreHandling: 'json', schemaNameAdjustment: 'none', skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [], columnTruncate: [], columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [], schemas: false, transactionMetadata: false, replaceNullWithDefault: true });
    expect(c.heartbeat).toEqual({ intervalMs: 0, topicPrefix: '__debezium-heartbeat', actionQuery: '' });
    expect(c.http.port).toBe(8083);
    expect(c.log.level).toBe('info');
  });

  it('derives valid PostgreSQL names from a mixed-case name with dashes', () => {
    const c = loadConfig({ env: { WALCAST_NAME: 'Shop-EU', WALCAST_SOURCE_URL: URL_OK } });
    expect(c.source.slot).toBe('walcast_shop_eu');
    expect(c.source.publication).toBe('walcast_shop_eu');
    expect(c.topicPrefix).toBe('Shop-EU');
  });

  it('keeps explicit slot, publication, topicPrefix and stream', () => {
    const c = loadConfig({
      file: file({ ...minimal, topicPrefix: 'cdc.shop', source: { url: URL_OK, slot: 's1', publication: 'p1' }, sink: { nats: { stream: 'CDC' } } }),
      env: {},
    });
    expect([c.source.slot, c.source.publication, c.topicPrefix, c.sink.nats.stream]).toEqual(['s1', 'p1', 'cdc.shop', 'CDC']);
  });

  it('reads every kind of value from WALCAST_* env, over the file', () => {
    const c = loadConfig({
      file: file({ ...minimal, snapshot: { mode: 'never' } }),
      env: {
        WALCAST_SNAPSHOT_MODE: 'always',
        WALCAST_SINK_KAFKA_BROKERS: 'k1:9092, k2:9093',
        WALCAST_SOURCE_TABLES: 'public.orders,inventory.*',
        WALCAST_SOURCE_HEARTBEAT_MS: '2500',
        WALCAST_SOURCE_MESSAGES: 'false',
        WALCAST_SINK_KAFKA_SASL_MECHANISM: 'plain',
        WALCAST_SINK_KAFKA_SASL_USERNAME: 'u',
        WALCAST_SINK_KAFKA_SASL_PASSWORD: 'p',
        WALCAST_HTTP_PORT: '0',
        WALCAST_SOURCE_EXCLUDE_TABLES: '',
      },
    });
    expect(c.snapshot.mode).toBe('always');
    expect(c.sink.kafka.brokers).toEqual(['k1:9092', 'k2:9093']);
    expect(c.source.tables).toEqual(['public.orders', 'inventory.*']);
    expect(c.source.excludeTables).toEqual([]);
    expect(c.source.heartbeatMs).toBe(2500);
    expect(c.source.messages).toBe(false);
    expect(c.sink.kafka.saslMechanism).toBe('plain');
    expect(c.http.port).toBe(0);
  });

  it('lets overrides win over env and file', () => {
    const c = loadConfig({ file: file(minimal), env: { WALCAST_SINK_TYPE: 'nats' }, overrides: { sink: { type: 'stdout' } } });
    expect(c.sink.type).toBe('stdout');
  });

  it('works from env alone', () => {
    const c = loadConfig({ env: { WALCAST_NAME: 'x', WALCAST_SOURCE_URL: 'postgresql:///app?host=/tmp' } });
    expect(c.name).toBe('x');
  });

  it('reports every problem at once', () => {
    const p = problemsOf(() => loadConfig({
      file: file({
        name: 'bad name!',
        bogus: 1,
        source: { url: 'mysql://root:hunter2@db/app', plugin: 'decoderbufs', slot: 'Bad-Slot', tables: ['nodot', 'public.ok'], heartbeatMs: 5, extra: true },
        snapshot: { parallelism: 0, chunkRows: 0 },
        sink: { type: 'kafka', kafka: { brokers: [] } },
        http: { port: 70000 },
      }),
      env: { WALCAST_SOURCE_RETRY_MAX_MS: 'soon' },
    }));
    const expected = [
      /^bogus: unknown key$/, /^source\.extra: unknown key$/, /^source\.plugin: must be one of/, /^name: /, /^source\.url: scheme must be postgres/,
      /^source\.slot: must be lower-case/, /^source\.tables: table pattern "nodot"/, /^source\.heartbeatMs: must be between/,
      /^snapshot\.parallelism: /, /^snapshot\.chunkRows: /, /^sink\.kafka\.brokers: sink.type kafka needs/, /^http\.port: /,
      /^source\.retryMaxMs: must be an integer.*\(from WALCAST_SOURCE_RETRY_MAX_MS\)$/,
    ];
    for (const re of expected) expect(p.some((x) => re.test(x))).toBe(true);
    expect(p).toHaveLength(expected.length);
  });

  it('kafka: every codec, topic configs from env, and TLS/topic-config problems reported together', () => {
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      expect(loadConfig({ file: file(minimal), env: { WALCAST_SINK_KAFKA_COMPRESSION: codec } }).sink.kafka.compression).toBe(codec);
    }
    const c = loadConfig({ file: file(minimal), env: { WALCAST_SINK_KAFKA_TOPIC_CONFIG: 'cleanup.policy=compact, min.insync.replicas=2' } });
    expect(c.sink.kafka.topicConfig).toEqual(['cleanup.policy=compact', 'min.insync.replicas=2']);
    const p = problemsOf(() => loadConfig({
      file: file({ ...minimal, sink: { kafka: { compression: 'brotli', topicConfig: ['compact'], sslCertFile: '/c.pem', ssl: false } } }),
      env: {},
    }));
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^sink\.kafka\.compression: must be one of/),
      'sink.kafka.topicConfig: "compact" is not name=value',
      'sink.kafka.sslCertFile: set while sink.kafka.ssl is false',
      'sink.kafka.sslCertFile and sink.kafka.sslKeyFile: set both (mutual TLS) or neither',
    ]));
    expect(p).toHaveLength(4);
  });

  it('an unknown key near a known one says which was meant', () => {
    const e = problemsOf(() => loadConfig({ file: file({ ...minimal, source: { ...minimal.source, tabels: ['public.t'] }, htp: { port: 1 } }), env: {} }));
    expect(e).toEqual(expect.arrayContaining(['source.tabels: unknown key (did you mean source.tables?)', 'htp.port: unknown key (did you mean http.port?)']));
  });

  it('a misspelled WALCAST_ variable is a problem naming the one meant; other WALCAST_ names are left alone', () => {
    const e = problemsOf(() => loadConfig({
      file: file(minimal),
      env: { WALCAST_SORCE_URL: 'postgres://x@h/db', WALCAST_SOURCE_TABELS: 'public.t', WALCAST_SINK_TYP: 'nats' },
    }));
    expect(e).toEqual([
      'WALCAST_SORCE_URL: unknown environment variable, ignored (did you mean WALCAST_SOURCE_URL?)',
      'WALCAST_SOURCE_TABELS: unknown environment variable, ignored (did you mean WALCAST_SOURCE_TABLES?)',
      'WALCAST_SINK_TYP: unknown environment variable, ignored (did you mean WALCAST_SINK_TYPE?)',
    ]);
    // walcast's own scripts' variables, and names far from any key (another tool's), pass.
    const tooling = ['WALCAST_NODE_QUIET', 'WALCAST_NODE_MIN_MAJOR', 'WALCAST_CACHE_DIR', 'WALCAST_BENCH_CONFIG', 'WALCAST_TEST_INFRA', 'WALCAST_PG_BIN',
      'WALCAST_NATS_SERVER', 'WALCAST_STREAM', 'WALCAST_EOS_KILLS', 'WALCAST_STORM_KILLS', 'WALCAST_COMPAT_REPORT', 'WALCAST_VERSION', 'WALCAST_DEPLOY_COLOR'];
    expect(() => loadConfig({ file: file(minimal), env: Object.fromEntries(tooling.map((n) => [n, '1'])) })).not.toThrow();
  });

  it('source.url TLS parameters: every problem at once, read as libpq reads them', () => {
    const ca = file('-----BEGIN CERTIFICATE-----');
    const url = (q: string): string => `${URL_OK}?${q}`;
    const at = (q: string, env: NodeJS.ProcessEnv = {}) => problemsOf(() => loadConfig({ file: file({ name: 'shop', source: { url: url(q) } }), env }));
    expect(at('sslmode=no-verify&sslcert=/nonexistent/client.pem')).toEqual([
      'source.url: sslmode "no-verify" is not one of disable, allow, prefer, require, verify-ca, verify-full (no-verify is node-postgres\'s name for require)',
      'source.url: sslcert without sslkey: a client certificate takes both',
      'source.url: sslcert "/nonexistent/client.pem" cannot be read (ENOENT)',
    ]);
    expect(at('sslmode=verify-ca')).toEqual([
      'source.url: sslmode verify-ca: give the CA certificate to verify against as sslrootcert=<file> (or use verify-full, which also checks the host name)',
    ]);
    expect(at('sslmode=require&sslrootcert=system')).toEqual(['source.url: sslrootcert=system (the system\'s CA store) takes sslmode=verify-full, as in libpq']);
    expect(at('', { PGSSLMODE: 'strict' })).toEqual(['PGSSLMODE "strict" is not one of disable, allow, prefer, require, verify-ca, verify-full']);
    for (const ok of [`sslmode=verify-ca&sslrootcert=${ca}`, 'sslmode=verify-full&sslrootcert=system', 'sslmode=prefer', 'sslmode=no-verify&uselibpqcompat=false']) {
      expect(loadConfig({ file: file({ name: 'shop', source: { url: url(ok) } }), env: {} }).source.url).toBe(url(ok));
    }
  });

  it('throws a CONFIG_INVALID ConnectorError listing problems one per line', () => {
    let err: unknown;
    try { loadConfig({ file: file({ name: 'shop', source: { url: URL_OK, tables: [] }, unknownThing: 1 }), env: {} }); } catch (e) { err = e; }
    expect(isConnectorError(err, 'CONFIG_INVALID')).toBe(true);
    const e = err as ConfigError;
    expect(e.problems).toEqual(['unknownThing: unknown key', 'source.tables: list at least one schema.table pattern']);
    expect(e.message.split('\n').slice(1)).toEqual(e.problems.map((x) => `  - ${x}`));
    expect(e.context.problemCount).toBe(2);
  });

  it('never puts secrets in problems', () => {
    const secrets = ['hunter2', 'SASLSECRET', 'NATSPASS', 'TOKENX'];
    let err: unknown;
    try {
      loadConfig({
        file: file({
          name: 'shop',
          source: { url: 'https://root:hunter2@db/app' },
          sink: { type: 'nats', kafka: { saslPassword: 'SASLSECRET' }, nats: { pass: 'NATSPASS', token: 'TOKENX', servers: [] } },
        }),
        env: { WALCAST_SINK_NATS_NKEY_SEED: '42' },
      });
    } catch (e) { err = e; }
    const e = err as ConfigError;
    expect(e).toBeInstanceOf(ConfigError);
    const text = e.message + JSON.stringify(e.toJSON()) + e.problems.join('\n');
    for (const s of secrets) expect(text).not.toContain(s);
    expect(e.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^source\.url: scheme/), 'sink.nats.servers: sink.type nats needs at least one server',
      'sink.nats.user, sink.nats.pass: set both or neither', expect.stringMatching(/^sink\.nats: choose one/),
    ]));
    // a sensitive key with a wrong type is reported without its value
    const p = problemsOf(() => loadConfig({ file: file({ ...minimal, sink: { kafka: { saslPassword: 991234 } } }), env: {} }));
    expect(p).toEqual(['sink.kafka.saslPassword: must be a string']);
  });

  it('wants a NATS client certificate and its key together', () => {
    const nats = (o: object) => problemsOf(() => loadConfig({ file: file({ ...minimal, sink: { type: 'nats', nats: o } }), env: {} }));
    expect(nats({ tlsCertFile: '/etc/walcast/client.pem' })).toEqual(['sink.nats.tlsCertFile, sink.nats.tlsKeyFile: set both or neither']);
    expect(nats({ tlsKeyFile: '/etc/walcast/client-key.pem' })).toEqual(['sink.nats.tlsCertFile, sink.nats.tlsKeyFile: set both or neither']);
    expect(loadConfig({ file: file({ ...minimal, sink: { type: 'nats', nats: { tlsCertFile: '/c.pem', tlsKeyFile: '/k.pem' } } }), env: {} }).sink.nats)
      .toMatchObject({ tlsCertFile: '/c.pem', tlsKeyFile: '/k.pem' });
  });

  it('snapshot.deleteMissing: off by default, Kafka only, with a clear reason for NATS', () => {
    expect(loadConfig({ file: file(minimal), env: {} }).snapshot.deleteMissing).toBe(false);
    expect(loadConfig({ file: file(minimal), env: { WALCAST_SNAPSHOT_DELETE_MISSING: 'true' } }).snapshot.deleteMissing).toBe(true);
    const problems = (type: string) => problemsOf(() => loadConfig({ file: file({ ...minimal, sink: { type }, snapshot: { deleteMissing: true } }), env: {} }));
    expect(problems('nats')).toEqual([expect.stringMatching(/^snapshot\.deleteMissing: not supported with the NATS sink: .*no last message per key/)]);
    expect(problems('stdout')).toEqual(['snapshot.deleteMissing: needs the kafka sink (it reads each table\'s topic); sink.type is stdout']);
  });

  it('does not echo a malformed URL', () => {
    const p = problemsOf(() => loadConfig({ env: { WALCAST_NAME: 'a', WALCAST_SOURCE_URL: 'postgres://u:pa ss word@' } }));
    expect(p.join()).not.toContain('pa ss');
  });

  it('reports a group given as a scalar once', () => {
    expect(problemsOf(() => loadConfig({ file: file({ ...minimal, snapshot: 'initial' }), env: {} }))).toEqual(['snapshot: must be an object']);
  });

  it('reports an object given for a value instead of using the default', () => {
    // convict merges an object into a leaf's default and reports nothing: tables {...} would capture public.*.
    const problems = problemsOf(() => loadConfig({
      file: file({
        ...minimal,
        source: { ...minimal.source, tables: { 'public.a': true }, plugin: { name: 'pgoutput' }, maxInFlightEvents: { n: 1 } },
        sink: { type: 'kafka', kafka: { brokers: ['k:9092'], topicConfig: { 'max.message.bytes': '4194304' } } },
        envelope: { schemas: { on: true } },
      }),
      env: {},
    }));
    expect(problems).toEqual([
      'source.tables: must be a list of strings, not an object',
      'source.plugin: must be one of "pgoutput", "wal2json", not an object',
      'source.maxInFlightEvents: must be an integer, not an object',
      'sink.kafka.topicConfig: must be a list of strings, not an object',
      'envelope.schemas: must be true or false, not an object',
    ]);
  });

  it('reports a required value given as an object once', () => {
    expect(problemsOf(() => loadConfig({ file: file({ ...minimal, name: { value: 'shop' } }), env: {} }))).toEqual(['name: must be a string, not an object']);
  });

  it('reports unreadable and invalid files', () => {
    expect(problemsOf(() => loadConfig({ file: join(dir, 'missing.json'), env: { WALCAST_NAME: 'a', WALCAST_SOURCE_URL: URL_OK } })))
      .toEqual([expect.stringMatching(/missing\.json: not found$/)]);
    expect(problemsOf(() => loadConfig({ file: file('{"name": '), env: { WALCAST_NAME: 'a', WALCAST_SOURCE_URL: URL_OK } })))
      .toEqual([expect.stringMatching(/not valid JSON/)]);
  });

  it('reports a missing file as the one problem, not also every key it would have set', () => {
    expect(problemsOf(() => loadConfig({ file: join(dir, 'missing.json'), env: {} })))
      .toEqual([`config file ${join(dir, 'missing.json')}: not found`]);
  });

  it('rejects a non-boolean and a non-integer from env instead of guessing', () => {
    const p = problemsOf(() => loadConfig({ file: file(minimal), env: { WALCAST_SINK_KAFKA_CREATE_TOPICS: 'nope', WALCAST_SNAPSHOT_CHUNK_ROWS: '12abc' } }));
    expect(p).toHaveLength(2);
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^sink\.kafka\.createTopics: must be true or false.*WALCAST_SINK_KAFKA_CREATE_TOPICS/),
      expect.stringMatching(/^snapshot\.chunkRows: must be an integer.*WALCAST_SNAPSHOT_CHUNK_ROWS/),
    ]));
  });

  it('returns a deep-frozen object', () => {
    const c = loadConfig({ file: file(minimal), env: {} });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.source)).toBe(true);
    expect(Object.isFrozen(c.source.tables)).toBe(true);
    expect(Object.isFrozen(c.sink.kafka.brokers)).toBe(true);
    expect(() => { (c.source as { slot: string }).slot = 'x'; }).toThrow(TypeError);
  });

  it('loads the shipped examples', () => {
    const examples = join(__dirname, '../../../config/examples');
    const names = readdirSync(examples).filter((f) => f.endsWith('.json')).sort();
    expect(names).toEqual(['kafka.json', 'nats.json', 'stdout.json']);
    for (const f of names) {
      const c = loadConfig({ file: join(examples, f), env: {} });
      expect(c.sink.type).toBe(f.replace('.json', ''));
    }
  });

  it('exactly-once: kafka sink and the broker state store only, every problem listed at once', () => {
    const p = problemsOf(() => loadConfig({
      file: file({ ...minimal, sink: { type: 'nats', kafka: { exactlyOnce: true, transactionalId: 'a b' } }, offsets: { store: 'file' } }),
      env: {},
    }));
    expect(p).toEqual(expect.arrayContaining([
      'sink.kafka.exactlyOnce: needs sink.type kafka (sink.type is nats)',
      'sink.kafka.exactlyOnce: needs the broker state store (offsets.store auto or broker); the offset record is committed in offsets.topic with the data',
      'sink.kafka.transactionalId: at most 249 characters, no whitespace',
    ]));
    const ok = loadConfig({ file: file({ ...minimal, source: { url: URL_OK, slot: 'orders' }, sink: { kafka: { exactlyOnce: true } } }), env: {} });
    expect(ok.sink.kafka).toMatchObject({ exactlyOnce: true, transactionalId: 'walcast-shop-orders' });
    expect(loadConfig({ file: file({ ...minimal, sink: { kafka: { exactlyOnce: true, transactionalId: 'mine' } } }), env: {} }).sink.kafka.transactionalId).toBe('mine');
  });
});

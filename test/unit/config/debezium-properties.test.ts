import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../../config/config-error';
import { mapDebeziumProperties } from '../../../config/debezium-properties';
import { schemaRegexToPattern, tableRegexToPattern } from '../../../config/debezium-regex';
import { parseProperties } from '../../../config/java-properties';
import { loadConfig } from '../../../config/load';
import { matchTables } from '../../../connector/source/tables';
import { tempDir } from '../../infra/temp-dirs';

const DOC_EXAMPLE = resolve(__dirname, '../../fixtures/debezium/application.properties');
const dir = tempDir('walcast-dbz-');
let n = 0;
function propsFile(text: string): string {
  const p = join(dir, `p${n++}.properties`);
  writeFileSync(p, text);
  return p;
}
const map = (text: string, env: NodeJS.ProcessEnv = {}) => mapDebeziumProperties(parseProperties(text), env);
const S = 'debezium.source.';

describe('parseProperties (java.util.Properties format)', () => {
  it('reads =, : and blank separators, comments, continuations and escapes', () => {
    const p = parseProperties([
      '# comment', '! also a comment', '  a.b = one ', 'c:two', 'd three', 'e=x\\', '   y', 'f=\\u00e9\\t\\=', 'g\\ h=1', 'a.b=last',
    ].join('\n'));
    expect(Object.fromEntries(p)).toEqual({ 'a.b': 'last', c: 'two', d: 'three', e: 'xy', f: 'é\t=', 'g h': '1' });
  });

  it('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
    expect(Object.fromEntries(parseProperties('a=x\\\\\nb=1'))).toEqual({ a: 'x\\', b: '1' });
  });
});

describe('Debezium table regexes → schema.table patterns', () => {
  it.each([
    ['public.orders', 'public.orders'],
    ['public\\.orders', 'public.orders'],
    ['public.*', 'public.*'],
    ['.*\\.orders', '*.orders'],
    ['inventory.order_.*', 'inventory.order_*'],
    ['.*', '*.*'],
    ['app.my\\-table', 'app."my-table"'],
    ['public..+', 'public.*'],
    // Debezium matches the whole name: anchors around it change nothing.
    ['^public\\.orders$', 'public.orders'],
    ['^inventory.order_.*$', 'inventory.order_*'],
  ])('%s → (?i)%s', (regex, pattern) => {
    // (?i): Debezium's lists are case-insensitive.
    expect(tableRegexToPattern(regex)).toEqual({ ok: true, pattern: `(?i)${pattern}` });
  });

  it.each([
    ['public.(orders|items)', /regex operator \(/],
    ['public.order[0-9]', /regex operator \[/],
    ['public.orders?', /regex operator \?/],
    ['\\w+\\.orders', /character class \\w/],
    ['orders', /names too few parts: write schema.table/],
    ['a.b.c', /more dots than separators/],
    ['public.order_.+', /\.\+ inside a name/],
    ['public.or^ders', /regex operator \^/],
    ['public.orders$x', /regex operator \$/],
  ])('%s is refused', (regex, reason) => {
    const t = tableRegexToPattern(regex);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.reason).toMatch(reason);
  });

  it('schema regexes become schema.*', () => {
    expect(schemaRegexToPattern('inventory')).toEqual({ ok: true, pattern: '(?i)inventory.*' });
    expect(schemaRegexToPattern('tenant_.*')).toEqual({ ok: true, pattern: '(?i)tenant_*.*' });
    expect(schemaRegexToPattern('a.b').ok).toBe(false);
  });

  it('translated patterns select the tables the regex selects', () => {
    const all = [{ schema: 'public', table: 'orders' }, { schema: 'shop', table: 'orders' }, { schema: 'public', table: 'order_items' }];
    const pat = (r: string) => { const t = tableRegexToPattern(r); if (!t.ok) throw new Error(t.reason); return t.pattern; };
    expect(matchTables(all, [pat('.*\\.orders')], [])).toEqual([all[0], all[1]]);
    expect(matchTables(all, [pat('public.order.*')], [pat('public.order_items')])).toEqual([all[0]]);
    // Case-insensitive, as Debezium's lists: PUBLIC.Orders is public.orders.
    expect(matchTables(all, [pat('PUBLIC.Orders')], [])).toEqual([all[0]]);
    expect(matchTables(all, [pat('.*')], [pat('public.ORDER_ITEMS')])).toEqual([all[0], all[1]]);
  });
});

describe('mapDebeziumProperties', () => {
  it('maps the TLS keys to the URL as libpq parameters; prefer when sslmode is not given (Debezium\'s default)', () => {
    const m = map([
      `${S}database.hostname=db.example`, `${S}database.sslmode=verify-full`, `${S}database.sslrootcert=/etc/pg/ca.pem`,
      `${S}database.sslcert=/etc/pg/client.pem`, `${S}database.sslkey=/etc/pg/client.key`,
    ].join('\n'));
    expect(m.problems).toEqual([]);
    expect(m.config).toMatchObject({
      source: { url: 'postgresql://db.example:5432/postgres?sslmode=verify-full&sslrootcert=%2Fetc%2Fpg%2Fca.pem&sslcert=%2Fetc%2Fpg%2Fclient.pem&sslkey=%2Fetc%2Fpg%2Fclient.key' },
    });
    expect(map(`${S}database.hostname=db.example\n${S}database.password=secret`).problems).toEqual([`${S}database.user: missing (database.password is given; Debezium requires both)`]);
    // PGSSLMODE, when set, decides instead of Debezium's default.
    expect(map(`${S}database.hostname=db.example`, { PGSSLMODE: 'verify-full' }).config).toMatchObject({ source: { url: 'postgresql://db.example:5432/postgres' } });
    expect(map(`${S}database.hostname=db.example\n${S}database.sslpassword=secret`).problems).toEqual([
      `${S}database.sslpassword: an encrypted client key is not supported; give database.sslkey a key file without a passphrase (openssl pkey -in <key> -out <plain key>)`,
    ]);
  });

  it('maps the source keys', () => {
    const m = map([
      `${S}connector.class=io.debezium.connector.postgresql.PostgresConnector`,
      `${S}database.hostname=db.example`, `${S}database.port=6543`, `${S}database.user=cdc@corp`, `${S}database.password=p@ss:w/rd`,
      `${S}database.dbname=shop`, `${S}database.sslmode=require`,
      `${S}topic.prefix=shop.prod`, `${S}slot.name=dbz_slot`, `${S}publication.name=dbz_pub`, `${S}publication.autocreate.mode=all_tables`,
      `${S}plugin.name=pgoutput`, `${S}table.include.list=public.orders,public.items`, `${S}table.exclude.list=public.items`,
      `${S}snapshot.mode=no_data`, `${S}decimal.handling.mode=string`, `${S}time.precision.mode=connect`,
      `${S}binary.handling.mode=base64-url-safe`, `${S}interval.handling.mode=string`, `${S}hstore.handling.mode=map`, `${S}tombstones.on.delete=false`,
      `${S}offset.storage.file.filename=/var/lib/dbz/offsets.dat`,
    ].join('\n'));
    expect(m.problems).toEqual([]);
    expect(m.ignored).toEqual([]);
    expect(m.config).toEqual({
      name: 'shop_prod',
      topicPrefix: 'shop.prod',
      source: {
        url: 'postgresql://cdc%40corp:p%40ss%3Aw%2Frd@db.example:6543/shop?sslmode=require',
        slot: 'dbz_slot', publication: 'dbz_pub', publicationMode: 'all_tables', plugin: 'pgoutput',
        tables: ['(?i)public.orders', '(?i)public.items'], excludeTables: ['(?i)public.items'],
      },
      snapshot: { mode: 'never' },
      envelope: {
        decimalHandling: 'string', timePrecision: 'connect', binaryHandling: 'base64-url-safe', intervalHandling: 'string', hstoreHandling: 'map', tombstonesOnDelete: false,
        skippedOperations: ['t'], // Debezium's default
        schemas: true, // Debezium Server's JSON: JsonConverter's default schemas.enable=true
      },
      offsets: { store: 'file', stateDir: '/var/lib/dbz' },
    });
  });

  it('maps skipped.operations (none = emit all) and the logical-message prefix lists', () => {
    expect(map(`${S}skipped.operations=none\n${S}message.prefix.include.list=audit.*,outbox`).config).toMatchObject({
      envelope: { skippedOperations: [], messagePrefixInclude: ['audit.*', 'outbox'] },
    });
    expect(map(`${S}skipped.operations=u, D`).config).toMatchObject({ envelope: { skippedOperations: ['u', 'd'] } });
    expect(map(`${S}skipped.operations=x,none`).problems).toEqual([`${S}skipped.operations: "none" cannot be combined with operations`]);
    expect(map(`${S}skipped.operations=c,r`).problems).toEqual([`${S}skipped.operations: "r" not one of c, u, d, t, none`]);
  });

  it('maps the column lists, the sized column mappers, v2 hashing and message.key.columns; refuses v1 hashing', () => {
    const m = map([
      `${S}column.exclude.list=public.people.ssn,.*\\.secret`, `${S}column.truncate.to.20.chars=public.people.bio`,
      `${S}column.mask.with.4.chars=public.people.card,inventory.*.pin`, `${S}column.truncate.to.5.chars=public.people.(a|b)`,
      `${S}column.mask.hash.SHA-256.with.salt.s1=public.people.email`, `${S}message.key.columns=public.people:email, id;inventory.order_.*:cust;(a|b).c:x`,
      `${S}column.mask.hash.v2.SHA-512.with.salt.CzQMA0cB5K=public.people.email,public.people.phone`,
      `${S}column.mask.hash.v2.MD5.with.salt.other=public.people.x`,
    ].join('\n'));
    expect(m.config).toMatchObject({
      envelope: {
        columnExclude: ['(?i)public.people.ssn', '(?i)*.*.secret'], columnTruncate: ['(?i)public.people.bio=20'], columnMask: ['(?i)public.people.card=4', '(?i)inventory.*.pin=4'],
        columnMaskWithHash: ['(?i)public.people.email', '(?i)public.people.phone'], columnHashAlgorithm: 'SHA-512', columnHashSalt: 'CzQMA0cB5K',
        messageKeyColumns: ['(?i)public.people:email,id', '(?i)inventory.order_*:cust'],
      },
    });
    expect(m.problems).toEqual([
      `${S}column.truncate.to.5.chars: "public.people.(a|b)" uses the regex operator (; walcast takes schema.table.column patterns with * (see README "Migrating from Debezium")`,
      `${S}column.mask.hash.SHA-256.with.salt.s1: v1 hashing (Java serialization of the value) is not offered; use column.mask.hash.v2.<algorithm>.with.salt.<salt>`,
      `${S}column.mask.hash.v2.MD5.with.salt.other: walcast hashes with one algorithm and salt; ${S}column.mask.hash.v2.SHA-512.with.salt.CzQMA0cB5K already sets them`,
      `${S}message.key.columns: "(a|b).c:x" uses the regex operator (; walcast takes schema.table:col1,col2 with * in the table pattern`,
    ]);
    expect(m.ignored).toEqual([]);
  });

  it('without include lists captures every schema, as Debezium does', () => {
    expect(map(`${S}topic.prefix=x`).config).toMatchObject({ source: { tables: ['*.*'] } });
  });

  it('maps the kafka sink with SASL_SSL, SCRAM and a PEM trust store', () => {
    const k = 'debezium.sink.kafka.producer.';
    const m = map([
      'debezium.sink.type=kafka', `${k}bootstrap.servers=k1:9092, k2:9092`, `${k}security.protocol=SASL_SSL`, `${k}sasl.mechanism=SCRAM-SHA-512`,
      `${k}sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="cdc" password="s3cr\\\\\\"et";`,
      `${k}ssl.truststore.type=PEM`, `${k}ssl.truststore.location=/etc/ca.pem`, `${k}compression.type=gzip`, `${k}client.id=dbz`,
      `${k}key.serializer=org.apache.kafka.common.serialization.StringSerializer`,
      `${k}value.serializer=org.apache.kafka.common.serialization.ByteArraySerializer`,
    ].join('\n'));
    expect(m.problems).toEqual([]);
    // The serializers that send the converter's bytes unchanged are what walcast does: taken, not ignored.
    expect(m.ignored).toEqual([]);
    expect(m.config).toMatchObject({
      sink: {
        type: 'kafka',
        kafka: { brokers: ['k1:9092', 'k2:9092'], ssl: true, saslMechanism: 'scram-sha-512', saslUsername: 'cdc', saslPassword: 's3cr"et', sslCaFile: '/etc/ca.pem', compression: 'gzip', clientId: 'dbz' },
      },
    });
  });

  it('refuses a serializer that would change the bytes', () => {
    const k = 'debezium.sink.kafka.producer.';
    expect(map(['debezium.sink.type=kafka', `${k}value.serializer=io.confluent.kafka.serializers.KafkaAvroSerializer`].join('\n')).problems).toEqual([
      `${k}value.serializer: "io.confluent.kafka.serializers.KafkaAvroSerializer" is not supported: walcast sends the converter's output as it is (StringSerializer or ByteArraySerializer)`,
    ]);
  });

  it('maps the nats-jetstream sink with Debezium\'s defaults (stream DebeziumStream, not created)', () => {
    const m = map(['debezium.sink.type=nats-jetstream', 'debezium.sink.nats-jetstream.url=nats://a:4222,nats://b:4222',
      'debezium.sink.nats-jetstream.auth.user=u', 'debezium.sink.nats-jetstream.auth.password=p'].join('\n'));
    expect(m.problems).toEqual([]);
    expect(m.config).toMatchObject({ sink: { type: 'nats', nats: { servers: ['nats://a:4222', 'nats://b:4222'], stream: 'DebeziumStream', createStream: false, user: 'u', pass: 'p' } } });
  });

  it('lists every value it cannot honour, all at once', () => {
    const m = map([
      `${S}connector.class=io.debezium.connector.mysql.MySqlConnector`, `${S}plugin.name=decoderbufs`, `${S}snapshot.mode=custom`,
      `${S}decimal.handling.mode=exact`, `${S}tombstones.on.delete=yes`, `${S}table.include.list=public.(a|b)`,
      `${S}hstore.handling.mode=hash`, 'debezium.sink.type=kinesis', 'debezium.format.value=protobuf',
    ].join('\n'));
    expect(m.problems).toEqual([
      `${S}connector.class: "io.debezium.connector.mysql.MySqlConnector" is not supported: walcast is a PostgreSQL connector (io.debezium.connector.postgresql.PostgresConnector)`,
      `${S}plugin.name: "decoderbufs" is not supported: walcast decodes pgoutput and wal2json (pgoutput needs no server extension)`,
      `${S}table.include.list: "public.(a|b)" uses the regex operator (; walcast takes schema.table patterns with * (see README "Migrating from Debezium")`,
      `${S}snapshot.mode: "custom" is not supported: walcast has no snapshot plug-ins`,
      `${S}decimal.handling.mode: "exact" is not supported (walcast accepts precise, double, string)`,
      `${S}tombstones.on.delete: "yes" must be true or false`,
      `${S}hstore.handling.mode: "hash" is not supported (walcast accepts json, map)`,
      'debezium.sink.type: "kinesis" is not supported (walcast writes to kafka or nats-jetstream)',
      'debezium.format.value: "protobuf" is not supported (walcast writes json or avro)',
    ]);
  });

  it('refuses table.include.list together with schema.include.list instead of widening the selection', () => {
    expect(map(`${S}table.include.list=a.b\n${S}schema.include.list=a`).problems).toEqual([
      expect.stringMatching(/table\.include\.list: cannot be combined with debezium\.source\.schema\.include\.list/),
    ]);
  });

  it('expands ${VAR} and ${VAR:default} from the environment and reports unset ones', () => {
    const m = map(`${S}database.hostname=\${DB_HOST}\n${S}database.user=u\n${S}database.password=\${DB_PASS:fallback}\n${S}slot.name=\${NOPE}`, { DB_HOST: 'h1' });
    expect(m.config).toMatchObject({ source: { url: 'postgresql://u:fallback@h1:5432/postgres?sslmode=prefer' } });
    expect(m.problems).toEqual([`${S}slot.name: \${NOPE} is not set in the environment and has no default`]);
    expect(map(`${S}database.hostname=h\n${S}database.user=u\n${S}database.password=\${DB_PASS:fallback}`).config)
      .toMatchObject({ source: { url: 'postgresql://u:fallback@h:5432/postgres?sslmode=prefer' } });
  });
});

describe('snapshot.mode names of Debezium 1.x', () => {
  it('schema_only says to write no_data', () => {
    expect(map(`${S}snapshot.mode=schema_only`).problems).toEqual([`${S}snapshot.mode: "schema_only" is Debezium 1.x's name for no_data: write no_data`]);
  });
});

describe('settings that change the topics or the records', () => {
  it('are problems unless at their defaults (an SMT, another topic delimiter, partitions under their root, ...)', () => {
    const m = map([
      'debezium.transforms=unwrap', 'debezium.transforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState',
      `${S}topic.delimiter=_`, `${S}publish.via.partition.root=true`, `${S}include.unknown.datatypes=true`,
      `${S}unavailable.value.placeholder=__toast`, `${S}signal.data.collection=public.signals`, `${S}flush.lsn.source=false`,
      `${S}topic.naming.strategy=io.debezium.schema.DefaultTopicNamingStrategy`,
    ].join('\n'));
    expect(m.problems).toEqual([
      'debezium.transforms: "unwrap" is not supported: single message transforms are not supported (records would reach consumers untransformed)',
      'debezium.transforms.unwrap.type: "io.debezium.transforms.ExtractNewRecordState" is not supported: single message transforms are not supported (records would reach consumers untransformed)',
      `${S}topic.delimiter: "_" is not supported: walcast names topics <topic.prefix>.<schema>.<table>`,
      `${S}publish.via.partition.root: "true" is not supported: walcast does not publish partitions under their root table`,
      `${S}include.unknown.datatypes: "true" is not supported: walcast leaves columns of unknown types out`,
      `${S}unavailable.value.placeholder: "__toast" is not supported: walcast writes Debezium's default placeholder`,
      `${S}signal.data.collection: "public.signals" is not supported: signals (incremental and ad hoc snapshots) are not supported`,
      `${S}flush.lsn.source: "false" is not supported: walcast always confirms the slot once the broker acknowledged`,
      `${S}topic.naming.strategy: "io.debezium.schema.DefaultTopicNamingStrategy" is not supported: walcast names topics as the default strategy does`,
    ]);
    expect(m.ignored).toEqual([]);
    const defaults = map([`${S}topic.delimiter=.`, `${S}publish.via.partition.root=false`, `${S}flush.lsn.source=true`, `${S}topic.transaction=transaction`].join('\n'));
    expect([defaults.problems, defaults.ignored]).toEqual([[], []]);
  });

  it('a Kafka Connect config provider is a problem, not its literal text', () => {
    const m = map(`${S}database.hostname=h\n${S}database.password=\${file:/opt/secrets/pg.properties:password}\n${S}database.user=\${env:PGUSER}`);
    expect(m.problems).toEqual([
      `${S}database.password: \${file:...} is a Kafka Connect config provider, which walcast does not read: put the value in an environment variable and write \${NAME}`,
      `${S}database.user: \${env:...} is a Kafka Connect config provider, which walcast does not read: put the value in an environment variable and write \${NAME}`,
    ]);
  });

  it('a Kafka Connect connector config (no debezium.source. prefix) says to prefix its keys', () => {
    const m = map('connector.class=io.debezium.connector.postgresql.PostgresConnector\ndatabase.hostname=db\ntopic.prefix=inv\ntable.include.list=public.orders');
    expect(m.problems).toEqual([expect.stringMatching(/^these are Kafka Connect connector settings .* start with debezium\.source\. /)]);
  });
});

describe('loadConfig with debeziumProperties', () => {
  it('loads Debezium\'s own example: every key mapped or named in one warning', () => {
    const warnings: string[] = [];
    const c = loadConfig({ debeziumProperties: DOC_EXAMPLE, env: {}, onWarning: (w) => warnings.push(w) });
    expect(c.name).toBe('migration');
    expect(c.topicPrefix).toBe('migration');
    expect(c.source.url).toBe('postgresql://postgres:postgres@postgres:5432/postgres?sslmode=prefer');
    expect(c.source.tables).toEqual(['(?i)inventory.*']);
    expect(c.source.slot).toBe('walcast_migration');
    expect(c.sink.type).toBe('nats');
    expect(c.sink.nats).toMatchObject({ servers: ['nats://nats:4222'], stream: 'DebeziumStream', createStream: true });
    expect(c.offsets).toMatchObject({ store: 'file', stateDir: 'data' });
    expect(warnings).toEqual([
      `${DOC_EXAMPLE}: ignoring 3 Debezium properties walcast has no equivalent for: debezium.sink.nats-jetstream.storage, debezium.sink.nats-jetstream.subjects, debezium.source.offset.flush.interval.ms`,
    ]);
  });

  it('the JSON config file and WALCAST_* env override the properties', () => {
    const json = join(dir, 'over.json');
    writeFileSync(json, JSON.stringify({ topicPrefix: 'from_json', envelope: { decimalHandling: 'double' } }));
    const c = loadConfig({
      debeziumProperties: propsFile(`${S}database.hostname=h\n${S}topic.prefix=p\n${S}decimal.handling.mode=string\n${S}slot.name=from_props\n${S}time.precision.mode=connect`),
      file: json,
      env: { WALCAST_SOURCE_SLOT: 'from_env' },
    });
    expect(c.topicPrefix).toBe('from_json');
    expect(c.envelope.decimalHandling).toBe('double');
    expect(c.source.slot).toBe('from_env');
    expect(c.envelope.timePrecision).toBe('connect');
  });

  it('reports mapping problems together with the config\'s own problems', () => {
    let err: unknown;
    try {
      loadConfig({ debeziumProperties: propsFile(`${S}database.hostname=h\n${S}topic.prefix=p\n${S}slot.name=Bad-Slot\n${S}snapshot.mode=recovery`), env: {} });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      `${S}snapshot.mode: "recovery" is not supported: walcast has no schema history to recover`,
      expect.stringMatching(/^source\.slot: must be lower-case/),
    ]);
  });

  it('a missing properties file is one problem', () => {
    expect(() => loadConfig({ debeziumProperties: join(dir, 'nope.properties'), env: {} })).toThrow(/Debezium properties .*nope\.properties: not found/);
  });
});

test('every Kafka codec the sink offers maps from compression.type', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const m = map(['debezium.sink.type=kafka', 'debezium.sink.kafka.producer.bootstrap.servers=k:9092',
      `debezium.sink.kafka.producer.compression.type=${codec}`].join('\n'));
    expect(m.problems).toEqual([]);
    expect(m.config).toMatchObject({ sink: { kafka: { compression: codec } } });
  }
});

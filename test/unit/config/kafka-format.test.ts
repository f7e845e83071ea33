// sink.kafka.format and sink.kafka.schemaRegistry: validation, redaction, env, and the Debezium
// converter settings that map to them.
import { ConfigError } from '../../../config/config-error';
import { mapDebeziumProperties } from '../../../config/debezium-properties';
import { parseProperties } from '../../../config/java-properties';
import { loadConfig } from '../../../config/load';
import { forgetSecrets, redactSecrets } from '../../../connector/observe/redact';

const base = { name: 'shop', source: { url: 'postgres://app:pw123456@127.0.0.1:5432/app' } };

function problemsOf(overrides: object, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    loadConfig({ env, overrides });
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

afterEach(() => forgetSecrets());

describe('sink.kafka.format / schemaRegistry', () => {
  it('avro with a registry loads; format avro turns envelope.schemas on (Avro derives from the Connect schemas)', () => {
    const c = loadConfig({ env: {}, overrides: { ...base, sink: { kafka: { format: 'avro', schemaRegistry: { url: 'http://reg:8081', username: 'u', password: 'registry-pw' } } } } });
    expect(c.sink.kafka.format).toBe('avro');
    expect(c.sink.kafka.schemaRegistry).toEqual({ url: 'http://reg:8081', username: 'u', password: 'registry-pw' });
    expect(c.envelope.schemas).toBe(true);
    // The password is a secret from now on.
    expect(redactSecrets('auth failed for registry-pw')).toBe('auth failed for ***');
  });

  it('json stays the default and leaves envelope.schemas alone', () => {
    const c = loadConfig({ env: {}, overrides: base });
    expect(c.sink.kafka.format).toBe('json');
    expect(c.envelope.schemas).toBe(false);
  });

  it('envelope.schemaNameAdjustment auto: avro with format avro, none otherwise; an explicit value is kept', () => {
    const avro = { kafka: { format: 'avro', schemaRegistry: { url: 'http://reg:8081' } } };
    expect(loadConfig({ env: {}, overrides: { ...base, sink: avro } }).envelope.schemaNameAdjustment).toBe('avro');
    expect(loadConfig({ env: {}, overrides: base }).envelope.schemaNameAdjustment).toBe('none');
    expect(loadConfig({ env: {}, overrides: { ...base, sink: { type: 'nats' } } }).envelope.schemaNameAdjustment).toBe('none');
    expect(loadConfig({ env: {}, overrides: { ...base, sink: avro, envelope: { schemaNameAdjustment: 'avro_unicode' } } }).envelope.schemaNameAdjustment).toBe('avro_unicode');
    expect(loadConfig({ env: { WALCAST_ENVELOPE_SCHEMA_NAME_ADJUSTMENT: 'avro' }, overrides: base }).envelope.schemaNameAdjustment).toBe('avro');
    expect(problemsOf({ ...base, envelope: { schemaNameAdjustment: 'avro-ish' } })).toEqual([
      expect.stringMatching(/^envelope\.schemaNameAdjustment: /),
    ]);
  });

  it('Debezium schema.name.adjustment.mode maps to envelope.schemaNameAdjustment', () => {
    const m = mapDebeziumProperties(parseProperties('debezium.source.schema.name.adjustment.mode=avro_unicode'), {});
    expect(m.problems).toEqual([]);
    expect(m.config).toMatchObject({ envelope: { schemaNameAdjustment: 'avro_unicode' } });
    expect(mapDebeziumProperties(parseProperties('debezium.source.schema.name.adjustment.mode=avro2'), {}).problems).toEqual([
      'debezium.source.schema.name.adjustment.mode: "avro2" is not supported (walcast accepts none, avro, avro_unicode)',
    ]);
  });

  it('lists every problem at once', () => {
    expect(problemsOf({ ...base, sink: { kafka: { format: 'avro', schemaRegistry: { username: 'u' } } } })).toEqual([
      'sink.kafka.schemaRegistry.url: required with sink.kafka.format avro',
      'sink.kafka.schemaRegistry.username and .password: set both (basic auth) or neither',
    ]);
    expect(problemsOf({ ...base, sink: { kafka: { schemaRegistry: { url: 'ftp://x' } } } })).toEqual([
      'sink.kafka.schemaRegistry.url: "ftp://x" is not an http:// or https:// URL',
      'sink.kafka.schemaRegistry.url: set while sink.kafka.format is not avro',
    ]);
    expect(problemsOf({ ...base, sink: { kafka: { format: 'protobuf' } } })).toEqual([
      expect.stringMatching(/^sink\.kafka\.format: must be one of the possible values: \["json","avro"\]/),
    ]);
  });

  it('reads WALCAST_SINK_KAFKA_FORMAT and WALCAST_SINK_KAFKA_SCHEMA_REGISTRY_*; a password in the URL is redacted', () => {
    const c = loadConfig({ overrides: base, env: {
      WALCAST_SINK_KAFKA_FORMAT: 'avro', WALCAST_SINK_KAFKA_SCHEMA_REGISTRY_URL: 'https://me:url-secret-9@reg.example/apis/ccompat/v7',
    } });
    expect(c.sink.kafka.format).toBe('avro');
    expect(c.sink.kafka.schemaRegistry.url).toBe('https://me:url-secret-9@reg.example/apis/ccompat/v7');
    expect(redactSecrets('GET https://me:url-secret-9@reg.example failed')).not.toContain('url-secret-9');
  });
});

describe('Debezium converter settings', () => {
  const map = (text: string) => mapDebeziumProperties(parseProperties(text));

  it('Kafka Connect\'s AvroConverter with a registry and USER_INFO basic auth', () => {
    const m = map([
      'key.converter=io.confluent.connect.avro.AvroConverter', 'value.converter=io.confluent.connect.avro.AvroConverter',
      'key.converter.schema.registry.url=http://reg:8081', 'value.converter.schema.registry.url=http://reg:8081',
      'value.converter.basic.auth.credentials.source=USER_INFO', 'value.converter.basic.auth.user.info=cdc:pa:ss',
      'key.converter.basic.auth.credentials.source=USER_INFO', 'key.converter.basic.auth.user.info=cdc:pa:ss',
    ].join('\n'));
    expect(m.problems).toEqual([]);
    expect(m.ignored).toEqual([]);
    expect(m.config).toMatchObject({ sink: { kafka: { format: 'avro', schemaRegistry: { url: 'http://reg:8081', username: 'cdc', password: 'pa:ss' } } } });
  });

  it('Debezium Server\'s debezium.format.* = avro, credentials from the URL', () => {
    const m = map([
      'debezium.format.key=avro', 'debezium.format.value=avro',
      'debezium.format.value.schema.registry.url=https://u%40x:p%3Aw@reg:8081',
      'debezium.format.value.basic.auth.credentials.source=URL',
    ].join('\n'));
    expect(m.problems).toEqual([]);
    expect(m.config).toMatchObject({ sink: { kafka: { format: 'avro', schemaRegistry: { url: 'https://reg:8081', username: 'u@x', password: 'p:w' } } } });
  });

  it('refuses what it cannot honour, all at once', () => {
    const m = map([
      'key.converter=org.apache.kafka.connect.json.JsonConverter', 'value.converter=io.confluent.connect.avro.AvroConverter',
      'value.converter.schema.registry.url=http://a:8081,http://b:8081',
      'value.converter.basic.auth.credentials.source=SASL_INHERIT',
      'debezium.format.key=protobuf',
    ].join('\n'));
    expect(m.problems).toEqual([
      'debezium.format.key: "protobuf" is not supported (walcast writes json or avro)',
      'value.converter.schema.registry.url: walcast takes one registry URL, got 2',
      'value.converter.basic.auth.credentials.source: "SASL_INHERIT" is not supported (walcast takes USER_INFO or URL)',
      'key and value formats: "json" and "avro" differ; walcast writes keys and values alike (sink.kafka.format)',
    ]);
  });
});

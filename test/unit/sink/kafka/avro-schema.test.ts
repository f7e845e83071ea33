// Connect schema -> Avro schema, checked against what Debezium + Confluent's AvroConverter
// register (the expected texts are written from Debezium's documented registry contents and
// Confluent AvroData's rules, not produced by the code under test).
import avro from 'avsc';
import { renderSchema } from '../../../../connector/envelope/connect-schema';
import { SOURCE_SCHEMA } from '../../../../connector/envelope/debezium-schemas';
import { avroSchemaOf as fromModel } from '../../../../connector/sink/kafka/avro/avro-schema';
import { parseConnectSchema } from '../../../../connector/sink/kafka/avro/connect-schema-json';

// Schemas below are written in the JsonConverter form (as envelope.schemas renders them).
const avroSchemaOf = (json: object) => fromModel(parseConnectSchema(json));

const value = {
  type: 'struct', optional: true, name: 'dbserver1.inventory.customers.Value',
  fields: [
    { type: 'int32', optional: false, field: 'id' },
    { type: 'string', optional: false, field: 'first_name' },
    { type: 'string', optional: true, field: 'email' },
  ],
};
const source = {
  type: 'struct', optional: false, name: 'io.debezium.connector.postgresql.Source',
  fields: [
    { type: 'string', optional: false, field: 'version' },
    { type: 'int64', optional: false, field: 'ts_ms' },
    {
      type: 'string', optional: true, name: 'io.debezium.data.Enum', version: 1,
      parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' },
      default: 'false', field: 'snapshot',
    },
  ],
};
const block = {
  type: 'struct', optional: true, name: 'event.block', version: 1,
  fields: [
    { type: 'string', optional: false, field: 'id' },
    { type: 'int64', optional: false, field: 'total_order' },
    { type: 'int64', optional: false, field: 'data_collection_order' },
  ],
};
const envelope = {
  type: 'struct', optional: false, name: 'dbserver1.inventory.customers.Envelope', version: 2,
  fields: [
    { ...value, field: 'before' },
    { ...value, field: 'after' },
    { ...source, field: 'source' },
    { ...block, field: 'transaction' },
    { type: 'string', optional: false, field: 'op' },
    { type: 'int64', optional: true, field: 'ts_ms' },
  ],
};

test('a Debezium envelope: records named by the Connect name, Value defined once, connect.* properties', () => {
  const expected = {
    type: 'record', name: 'Envelope', namespace: 'dbserver1.inventory.customers',
    fields: [
      {
        name: 'before',
        type: ['null', {
          type: 'record', name: 'Value',
          fields: [
            { name: 'id', type: 'int' },
            { name: 'first_name', type: 'string' },
            { name: 'email', type: ['null', 'string'], default: null },
          ],
          'connect.name': 'dbserver1.inventory.customers.Value',
        }],
        default: null,
      },
      { name: 'after', type: ['null', 'Value'], default: null },
      {
        name: 'source',
        type: {
          type: 'record', name: 'Source', namespace: 'io.debezium.connector.postgresql',
          fields: [
            { name: 'version', type: 'string' },
            { name: 'ts_ms', type: 'long' },
            {
              name: 'snapshot',
              type: [{
                type: 'string', 'connect.version': 1,
                'connect.parameters': { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' },
                'connect.default': 'false', 'connect.name': 'io.debezium.data.Enum',
              }, 'null'],
              default: 'false',
            },
          ],
          'connect.name': 'io.debezium.connector.postgresql.Source',
        },
      },
      {
        name: 'transaction',
        type: ['null', {
          type: 'record', name: 'block', namespace: 'event',
          fields: [
            { name: 'id', type: 'string' },
            { name: 'total_order', type: 'long' },
            { name: 'data_collection_order', type: 'long' },
          ],
          'connect.version': 1, 'connect.name': 'event.block',
        }],
        default: null,
      },
      { name: 'op', type: 'string' },
      { name: 'ts_ms', type: ['null', 'long'], default: null },
    ],
    'connect.version': 2,
    'connect.name': 'dbserver1.inventory.customers.Envelope',
  };
  const got = avroSchemaOf(envelope);
  // Same text, property order included (Avro's Java writer order, what Debezium registers).
  expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
  expect(() => avro.Type.forSchema(got as avro.Schema)).not.toThrow();
});

test('logical types: Connect Decimal/Date/Time/Timestamp get Avro logical types, Debezium time types only connect.name', () => {
  const schema = {
    type: 'struct', optional: false, name: 'p.public.t.Value',
    fields: [
      { type: 'bytes', optional: false, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '10' }, field: 'price' },
      { type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '0' }, field: 'n' },
      { type: 'int32', optional: false, name: 'org.apache.kafka.connect.data.Date', version: 1, field: 'd' },
      { type: 'int32', optional: false, name: 'org.apache.kafka.connect.data.Time', version: 1, field: 't' },
      { type: 'int64', optional: false, name: 'org.apache.kafka.connect.data.Timestamp', version: 1, field: 'ts' },
      { type: 'int32', optional: true, name: 'io.debezium.time.Date', version: 1, field: 'dd' },
      { type: 'int64', optional: false, name: 'io.debezium.time.MicroTimestamp', version: 1, field: 'mts' },
      { type: 'int16', optional: false, field: 'small' },
      { type: 'int8', optional: false, field: 'tiny' },
      { type: 'array', optional: true, items: { type: 'string', optional: true }, field: 'tags' },
      { type: 'map', optional: false, keys: { type: 'string', optional: false }, values: { type: 'string', optional: true }, field: 'h' },
      { type: 'double', optional: false, field: 'f' },
      { type: 'float', optional: false, field: 'f32' },
    ],
  };
  const fields = (avroSchemaOf(schema) as { fields: { name: string; type: unknown; default?: unknown }[] }).fields;
  expect(Object.fromEntries(fields.map((f) => [f.name, f.type]))).toEqual({
    price: { type: 'bytes', scale: 2, precision: 10, 'connect.version': 1, 'connect.parameters': { scale: '2', 'connect.decimal.precision': '10' }, 'connect.name': 'org.apache.kafka.connect.data.Decimal', logicalType: 'decimal' },
    n: ['null', { type: 'bytes', scale: 0, precision: 64, 'connect.version': 1, 'connect.parameters': { scale: '0' }, 'connect.name': 'org.apache.kafka.connect.data.Decimal', logicalType: 'decimal' }],
    d: { type: 'int', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Date', logicalType: 'date' },
    t: { type: 'int', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Time', logicalType: 'time-millis' },
    ts: { type: 'long', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Timestamp', logicalType: 'timestamp-millis' },
    dd: ['null', { type: 'int', 'connect.version': 1, 'connect.name': 'io.debezium.time.Date' }],
    mts: { type: 'long', 'connect.version': 1, 'connect.name': 'io.debezium.time.MicroTimestamp' },
    small: { type: 'int', 'connect.type': 'int16' },
    tiny: { type: 'int', 'connect.type': 'int8' },
    tags: ['null', { type: 'array', items: ['null', 'string'] }],
    h: { type: 'map', values: ['null', 'string'] },
    f: 'double',
    f32: 'float',
  });
  expect(fields.find((f) => f.name === 'tags')!.default).toBeNull();
  expect(fields.find((f) => f.name === 'price')!).not.toHaveProperty('default');
});

test('a key schema; an unnamed struct is io.confluent.connect.avro.ConnectDefault; maps with non-string keys are MapEntry arrays', () => {
  expect(avroSchemaOf({ type: 'struct', optional: false, name: 'p.public.t.Key', fields: [{ type: 'int64', optional: false, field: 'id' }] }))
    .toEqual({ type: 'record', name: 'Key', namespace: 'p.public.t', fields: [{ name: 'id', type: 'long' }], 'connect.name': 'p.public.t.Key' });
  expect(avroSchemaOf({ type: 'struct', fields: [{ type: 'map', keys: { type: 'int32' }, values: { type: 'string' }, field: 'm' }] })).toEqual({
    type: 'record', name: 'ConnectDefault', namespace: 'io.confluent.connect.avro',
    fields: [{ name: 'm', type: { type: 'array', items: { type: 'record', name: 'MapEntry', fields: [{ name: 'key', type: 'int' }, { name: 'value', type: 'string' }] } } }],
  });
});

test('the envelope stage\'s model reads back from its JSON rendering unchanged; Debezium\'s Source converts and avsc accepts it', () => {
  expect(parseConnectSchema(JSON.parse(renderSchema(SOURCE_SCHEMA)))).toEqual(SOURCE_SCHEMA);
  const source = fromModel(SOURCE_SCHEMA) as { name: string; namespace: string; fields: { name: string; type: unknown; default?: unknown }[] };
  expect(source).toMatchObject({ name: 'Source', namespace: 'io.debezium.connector.postgresql', 'connect.name': 'io.debezium.connector.postgresql.Source' });
  const snapshot = source.fields.find((f) => f.name === 'snapshot')!;
  expect(snapshot.default).toBe('false');
  expect(snapshot.type).toEqual([expect.objectContaining({ type: 'string', 'connect.default': 'false', 'connect.name': 'io.debezium.data.Enum' }), 'null']);
  expect(() => avro.Type.forSchema(source as avro.Schema)).not.toThrow();
});

test('a wrong shape is refused with every problem and its path', () => {
  expect(() => parseConnectSchema({ type: 'struct', fields: [{ type: 'int32' }, { type: 'uuid', field: 'u' }, { type: 'array', field: 'a' }] }))
    .toThrow('not a Kafka Connect schema: $.fields[0].field: missing; $.u.type: "uuid" is not a Connect type; $.a.items: not an object');
});

// The Avro serializer: Connect JSON records -> Confluent wire format, read back with Confluent's
// own deserializer (@confluentinc/schemaregistry) over its in-memory registry client.
import { MockClient } from '@confluentinc/schemaregistry/dist/mock-schemaregistry-client';
import { AvroDeserializer } from '@confluentinc/schemaregistry/dist/serde/avro';
import { SerdeType } from '@confluentinc/schemaregistry/dist/serde/serde';
import avro from 'avsc';
import { isConnectorError } from '../../../../connector/errors';
import { avroSerializer } from '../../../../connector/sink/kafka/avro/avro-serializer';
import type { SchemaRegistry } from '../../../../connector/sink/kafka/avro/registry';
import type { SinkRecord } from '../../../../connector/model/record';

const TOPIC = 'p.public.t';

function registryOver(client: MockClient, calls: string[] = []): SchemaRegistry {
  return {
    register: (subject, schema) => {
      calls.push(subject);
      return client.register(subject, { schemaType: 'AVRO', schema });
    },
    check: async () => 0,
    close: () => undefined,
  };
}

const keySchema = { type: 'struct', optional: false, name: 'p.public.t.Key', fields: [{ type: 'int64', optional: false, field: 'id' }] };
function valueSchema(columns: object[]): object {
  const row = { type: 'struct', optional: true, name: 'p.public.t.Value', fields: columns };
  return {
    type: 'struct', optional: false, name: 'p.public.t.Envelope', version: 2,
    fields: [{ ...row, field: 'before' }, { ...row, field: 'after' }, { type: 'string', optional: false, field: 'op' }],
  };
}
const v1 = [
  { type: 'int64', optional: false, field: 'id' },
  { type: 'string', optional: true, field: 'name' },
  { type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '10' }, field: 'price' },
  { type: 'double', optional: true, field: 'f' },
];

function record(id: string, key: string | null, value: string | null): SinkRecord {
  return { topic: TOPIC, id, key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: { op: 'c' } };
}
const withSchema = (schema: object, payload: string) => `{"schema":${JSON.stringify(schema)},"payload":${payload}}`;

test('key and value in the Confluent wire format, decoded by Confluent\'s AvroDeserializer; a tombstone stays null', async () => {
  const client = new MockClient();
  const subjects: string[] = [];
  const serialize = avroSerializer(registryOver(client, subjects));
  const [created, tombstone] = await serialize([
    record('0/1:0', withSchema(keySchema, '{"id":7}'),
      withSchema(valueSchema(v1), '{"before":null,"after":{"id":7,"name":"ä\\"x","price":"MDk=","f":"NaN"},"op":"c"}')),
    record('0/1:1', withSchema(keySchema, '{"id":7}'), null),
  ]);
  expect(created.value![0]).toBe(0);
  const valueId = created.value!.readInt32BE(1);
  expect(valueId).toBe(await client.getId(`${TOPIC}-value`, { schemaType: 'AVRO', schema: (await client.getLatestSchemaMetadata(`${TOPIC}-value`)).schema }));
  expect(created.headers).toEqual({ op: 'c' });
  expect(tombstone.value).toBeNull();

  const values = new AvroDeserializer(client, SerdeType.VALUE, {});
  const keys = new AvroDeserializer(client, SerdeType.KEY, {});
  const decoded = await values.deserialize(TOPIC, created.value!) as { after: Record<string, unknown>; op: string };
  expect(decoded.op).toBe('c');
  expect(decoded.after.name).toBe('ä"x');
  expect(Number.isNaN(decoded.after.f)).toBe(true);
  // 123.45: unscaled 12345 (0x3039, base64 MDk=); the deserializer hands decimals over as bytes.
  expect(decoded.after.price).toEqual(Buffer.from([0x30, 0x39]));
  expect(await keys.deserialize(TOPIC, tombstone.key!)).toEqual({ id: 7 });
  // Each subject registered once although the key schema came twice.
  expect(subjects.sort()).toEqual([`${TOPIC}-key`, `${TOPIC}-value`]);
});

test('int64 extremes and NUMERIC decimals are exact', async () => {
  const client = new MockClient();
  const serialize = avroSerializer(registryOver(client));
  const [r] = await serialize([record('0/1:0', null,
    withSchema(valueSchema(v1), '{"before":null,"after":{"id":-9223372036854775808,"name":null,"price":12345678.91,"f":1.5},"op":"c"}'))]);
  const schema = (await client.getLatestSchemaMetadata(`${TOPIC}-value`)).schema;
  // avsc's default long refuses unsafe integers: read with a bigint long to see every bit.
  const long = avro.types.LongType.__with({
    fromBuffer: (b: Buffer) => b.readBigInt64LE(), toBuffer: () => Buffer.alloc(8), fromJSON: BigInt, toJSON: Number,
    isValid: () => true, compare: () => 0,
  });
  const type = avro.Type.forSchema(JSON.parse(schema!) as avro.Schema, { registry: { long } });
  const decoded = type.fromBuffer(r.value!.subarray(5)) as { after: { id: bigint; price: Buffer } };
  expect(decoded.after.id).toBe(-9223372036854775808n);
  expect(BigInt('0x' + decoded.after.price.toString('hex'))).toBe(1234567891n);
});

test('a changed Connect schema (column added, dropped, retyped) is registered as the next version', async () => {
  const client = new MockClient();
  const subjects: string[] = [];
  const serialize = avroSerializer(registryOver(client, subjects));
  const row = (cols: object[], payload: string) => record('0/1:0', null, withSchema(valueSchema(cols), `{"before":null,"after":${payload},"op":"c"}`));
  const id = { type: 'int64', optional: false, field: 'id' };
  const batches = [
    row([id, { type: 'string', optional: true, field: 'a' }], '{"id":1,"a":"x"}'),
    row([id, { type: 'string', optional: true, field: 'a' }, { type: 'int32', optional: true, field: 'b' }], '{"id":2,"a":"y","b":5}'),
    row([id, { type: 'int32', optional: true, field: 'b' }], '{"id":3,"b":6}'),
    row([id, { type: 'string', optional: true, field: 'b' }], '{"id":4,"b":"six"}'),
    row([id, { type: 'string', optional: true, field: 'a' }], '{"id":5,"a":"again"}'),
  ];
  const out = [];
  for (const b of batches) out.push(...await serialize([b]));
  const ids = out.map((r) => r.value!.readInt32BE(1));
  expect(new Set(ids.slice(0, 4)).size).toBe(4);
  expect(ids[4]).toBe(ids[0]);
  expect(await client.getAllVersions(`${TOPIC}-value`)).toEqual([1, 2, 3, 4]);
  const values = new AvroDeserializer(client, SerdeType.VALUE, {});
  const afters = await Promise.all(out.map(async (r) => ((await values.deserialize(TOPIC, r.value!)) as { after: unknown }).after));
  expect(afters).toEqual([{ id: 1, a: 'x' }, { id: 2, a: 'y', b: 5 }, { id: 3, b: 6 }, { id: 4, b: 'six' }, { id: 5, a: 'again' }]);
});

test('records without a Connect schema, or whose payload does not fit it, fail with the record named', async () => {
  const serialize = avroSerializer(registryOver(new MockClient()));
  const plain = serialize([record('0/9:3', null, '{"before":null,"after":{"id":1},"op":"c"}')]);
  await expect(plain).rejects.toThrow(/value of record 0\/9:3 \(topic p\.public\.t\) has no Kafka Connect schema/);
  const misfit = serialize([record('0/9:4', null, withSchema(valueSchema(v1), '{"before":null,"after":{"id":null},"op":"c"}'))]);
  await expect(misfit).rejects.toThrow(/record 0\/9:4 .*\$\.after\.id: null for a required int64/);
  const err = await misfit.catch((e: unknown) => e);
  expect(isConnectorError(err, 'SINK_SEND') && !err.retriable).toBe(true);
});

test('a failed registration is not cached: the next record registers again', async () => {
  const client = new MockClient();
  let fail = true;
  const registry: SchemaRegistry = {
    register: (subject, schema) => {
      if (fail) return Promise.reject(new Error('registry down'));
      return client.register(subject, { schemaType: 'AVRO', schema });
    },
    check: async () => 0,
    close: () => undefined,
  };
  const serialize = avroSerializer(registry);
  const r = record('0/1:0', null, withSchema(valueSchema(v1), '{"before":null,"after":{"id":1,"name":null,"price":null,"f":null},"op":"c"}'));
  await expect(serialize([r])).rejects.toThrow('registry down');
  fail = false;
  const [ok] = await serialize([r]);
  expect(ok.value![0]).toBe(0);
});

// The envelope stage's real output (EnvelopeBuilder with envelope.schemas: Debezium's Key,
// Envelope, Source, transaction block) through the Avro serializer, read back with Confluent's
// AvroDeserializer: the whole record survives, every type the row uses.
import { MockClient } from '@confluentinc/schemaregistry/dist/mock-schemaregistry-client';
import type { EnvelopeOptions } from '../../../../connector/envelope/options';
import type { Column, Relation } from '../../../../connector/model/change';
import { EnvelopeBuilder, type TxContext } from '../../../../connector/envelope/builder';
import { lsn, parseLsn } from '../../../../connector/protocol/lsn';
import { avroSerializer } from '../../../../connector/sink/kafka/avro/avro-serializer';
import { avroDeserializers } from '../../../infra/avro-consumer';

const OPTIONS: EnvelopeOptions = {
  tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric',
  skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [], columnTruncate: [],
  columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [], schemas: true,
};
const col = (name: string, typeOid: number, isKey = false, typeMod = -1): Column => ({ name, typeOid, typeMod, isKey });
// int8 key, text, numeric(10,2), timestamptz, date, float8, bytea, bool, text[]
const orders: Relation = {
  oid: 16384, schema: 'public', table: 'orders', replicaIdentity: 'default',
  columns: [col('id', 20, true), col('status', 25), col('amount', 1700, false, (10 << 16) + 2 + 4), col('at', 1184), col('day', 1082),
    col('ratio', 701), col('blob', 17), col('ok', 16), col('tags', 1009)],
};
const TX: TxContext = { xid: 771, commitLsn: parseLsn('0/16E8A58'), commitTimeUs: 1700000000000001n, lastCommitLsn: lsn(24000000) };

test('an insert and a delete with its tombstone, as Debezium + AvroConverter would write them', async () => {
  const builder = new EnvelopeBuilder({
    connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '9.9.9', options: OPTIONS,
    notNullColumns: new Map([['public\0orders', new Set(['id', 'status'])]]),
  });
  const row = ['42', 'new', '12.50', '2024-03-01 10:20:30.123456+00', '2024-03-01', 'NaN', '\\x00ff', 't', '{a,"b c",NULL}'];
  const records = [
    ...builder.records({ kind: 'insert', lsn: lsn(24023128), relation: orders, after: row }, TX, 0, 1700000000123456n),
    ...builder.records({ kind: 'delete', lsn: lsn(24023200), relation: orders, before: ['42', null, null, null, null, null, null, null, null], beforeIsKeyOnly: true }, TX, 1, 1700000000123456n),
  ];
  const client = new MockClient();
  const serialize = avroSerializer({ register: (s, schema) => client.register(s, { schemaType: 'AVRO', schema }), check: async () => 0, close: () => undefined });
  const out = await serialize(records);
  const { key: keys, value: values } = avroDeserializers(client);
  const topic = 'shop.public.orders';
  const created = await values.deserialize(topic, out[0]!.value!) as Record<string, unknown>;
  // The JSON record with its integers exact, to compare with.
  const plain = JSON.parse(records[0]!.value!.toString(), (_k, v: unknown, ctx?: { source?: string }) =>
    (typeof v === 'number' && Number.isInteger(v) && ctx?.source !== undefined ? BigInt(ctx.source) : v)) as { payload: Record<string, unknown> };
  expect(created.op).toBe('c');
  expect(created.after).toEqual({
    id: 42n, status: 'new', amount: Buffer.from([0x04, 0xe2]), at: '2024-03-01T10:20:30.123456Z', day: 19783,
    ratio: NaN, blob: Buffer.from([0x00, 0xff]), ok: true, tags: ['a', 'b c', null],
  });
  // source and the clock fields: the JSON payload's values, each one.
  expect({ ...(created.source as object) }).toEqual(plain.payload.source);
  for (const k of ['ts_ms', 'ts_us', 'ts_ns']) expect(created[k]).toBe(plain.payload[k]);
  expect(created.transaction).toBeNull();
  expect(await keys.deserialize(topic, out[0]!.key!)).toEqual({ id: 42n });
  const deleted = await values.deserialize(topic, out[1]!.value!) as { op: string; before: { id: bigint }; after: null };
  expect(deleted).toMatchObject({ op: 'd', after: null, before: { id: 42n } });
  expect(out[2]!.value).toBeNull();
  expect(await keys.deserialize(topic, out[2]!.key!)).toEqual({ id: 42n });
  // One schema per subject although three records went through.
  expect(await client.getAllVersions(`${topic}-value`)).toEqual([1]);

  // A column added (a new Relation): version 2, read by the same deserializer as version 1.
  const wider: Relation = { ...orders, columns: [...orders.columns, col('note', 25)] };
  const [next] = await serialize(builder.records({ kind: 'insert', lsn: lsn(24023300), relation: wider, after: [...row, 'hi'] }, TX, 3, 1700000000123456n));
  expect(await client.getAllVersions(`${topic}-value`)).toEqual([1, 2]);
  expect(((await values.deserialize(topic, next!.value!)) as { after: { note: string } }).after.note).toBe('hi');
  expect(((await values.deserialize(topic, out[0]!.value!)) as { after: { status: string } }).after.status).toBe('new');
});

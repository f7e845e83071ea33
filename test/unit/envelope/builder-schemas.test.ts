/**
 * EnvelopeBuilder with envelope.schemas (Connect {schema, payload}) and with transaction
 * metadata (the `transaction` block): the payload is exactly the schemas-off record.
 */
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import type { Column, Relation } from '../../../connector/model/change';
import { EnvelopeBuilder, type TxContext } from '../../../connector/envelope/builder';
import { OpenTransaction } from '../../../connector/envelope/transaction-metadata';
import { lsn, parseLsn } from '../../../connector/protocol/lsn';

const OPTIONS: EnvelopeOptions = {
  tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric',
  skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [], columnTruncate: [],
  columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [],
};
const col = (name: string, typeOid: number, isKey = false, typeMod = -1): Column => ({ name, typeOid, typeMod, isKey });
const orders: Relation = {
  oid: 16384, schema: 'public', table: 'orders', replicaIdentity: 'default',
  columns: [col('id', 20, true), col('status', 25), col('amount', 1700, false, (10 << 16) + 2 + 4)],
};
const TX: TxContext = { xid: 771, commitLsn: parseLsn('0/16E8A58'), commitTimeUs: 1700000000000001n, lastCommitLsn: lsn(24000000) };
const NOW = 1700000000123456n;
const insert = { kind: 'insert' as const, lsn: lsn(24023128), relation: orders, after: ['42', 'new', '12.50'] };

function make(options: Partial<EnvelopeOptions>): EnvelopeBuilder {
  return new EnvelopeBuilder({
    connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '9.9.9', options: { ...OPTIONS, ...options },
    notNullColumns: new Map([['public\0orders', new Set(['id', 'status'])]]),
    columnDefaults: new Map([['public\0orders', new Map([['status', 'new'], ['amount', 'not a number']])]]),
  });
}

type Wrapped = { schema: { name: string; version?: number; fields: Array<{ field: string; optional: boolean; default?: unknown; fields?: Array<{ field: string; optional: boolean; default?: unknown }> }> }; payload: unknown };

describe('EnvelopeBuilder with envelope.schemas', () => {
  it('wraps key and value; the payload is the schemas-off record', () => {
    const [plain] = make({}).records(insert, TX, 0, NOW);
    const [r] = make({ schemas: true }).records(insert, TX, 0, NOW);
    const key = JSON.parse(r!.key!.toString()) as Wrapped;
    const value = JSON.parse(r!.value!.toString()) as Wrapped;
    expect(key.payload).toEqual(JSON.parse(plain!.key!.toString()));
    expect(value.payload).toEqual(JSON.parse(plain!.value!.toString()));
    expect(r!.value!.toString()).toContain(`,"payload":${plain!.value!.toString()}}`);
    expect(key.schema.name).toBe('shop.public.orders.Key');
    expect(value.schema).toMatchObject({ name: 'shop.public.orders.Envelope', version: 2 });
    const after = value.schema.fields.find((f) => f.field === 'after')!.fields!;
    // NOT NULL from the catalog; a literal default converted like a value; one the converter rejects left out.
    expect(after.map((f) => [f.field, f.optional, f.default])).toEqual([['id', false, undefined], ['status', false, 'new'], ['amount', true, undefined]]);
  });

  it('tableSchemas gives the schemas the records carry, with schemas off too', () => {
    const [r] = make({ schemas: true }).records(insert, TX, 0, NOW);
    const s = make({}).tableSchemas(orders);
    expect((JSON.parse(r!.value!.toString()) as Wrapped).schema.name).toBe(s.envelope.name);
    expect(s.key!.fields.map((f) => f.name)).toEqual(['id']);
    expect(s.value.fields.map((f) => [f.name, f.schema.type, f.schema.optional])).toEqual([['id', 'int64', false], ['status', 'string', false], ['amount', 'bytes', true]]);
  });

  it('column mappers add Debezium\'s parameters to value fields only (masked, truncateLength)', () => {
    const withKeyStatus = make({ columnMask: ['public.orders.status=3'], messageKeyColumns: ['public.orders:status'] }).tableSchemas(orders);
    expect(withKeyStatus.value.fields.find((f) => f.name === 'status')!.schema.parameters).toEqual({ masked: 'true' });
    expect(withKeyStatus.key!.fields.find((f) => f.name === 'status')!.schema.parameters).toBeUndefined();
    const hashed = make({ columnMaskWithHash: ['public.orders.status'] }).tableSchemas(orders);
    expect(hashed.value.fields.find((f) => f.name === 'status')!.schema.parameters).toEqual({ masked: 'true' });
    const cut = make({ columnTruncate: ['public.orders.status=5'] }).tableSchemas(orders);
    expect(cut.value.fields.find((f) => f.name === 'status')!.schema.parameters).toEqual({ truncateLength: '5' });
  });

  it('a tombstone stays null; its key is wrapped', () => {
    const del = { kind: 'delete' as const, lsn: lsn(24023200), relation: orders, before: ['42', null, null], beforeIsKeyOnly: true };
    const rs = make({ schemas: true }).records(del, TX, 0, NOW);
    expect(rs).toHaveLength(2);
    expect(rs[1]!.value).toBeNull();
    expect((JSON.parse(rs[1]!.key!.toString()) as Wrapped).payload).toEqual({ id: 42 });
  });

  it('logical messages get MessageKey / MessageValue', () => {
    const msg = { kind: 'message' as const, lsn: lsn(24023300), transactional: true, prefix: 'audit', content: Buffer.from('hi') };
    const [r] = make({ schemas: true }).records(msg, TX, 0, NOW);
    expect((JSON.parse(r!.key!.toString()) as Wrapped).schema.name).toBe('io.debezium.connector.postgresql.MessageKey');
    expect((JSON.parse(r!.value!.toString()) as Wrapped).schema.name).toBe('io.debezium.connector.postgresql.MessageValue');
  });
});

describe('EnvelopeBuilder with transaction metadata', () => {
  it('fills the transaction block of each event, not of tombstones; key changes count twice', () => {
    const b = make({});
    const meta = new OpenTransaction(771, 1700000000000n);
    const tx = { ...TX, metadata: meta };
    const [c] = b.records(insert, tx, 0, NOW);
    expect((JSON.parse(c!.value!.toString()) as { transaction: unknown }).transaction).toEqual({ id: '771:24023128', total_order: 1, data_collection_order: 1 });
    const keyChange = {
      kind: 'update' as const, lsn: lsn(24023400), relation: orders, before: ['42', null, null], beforeIsKeyOnly: true, after: ['43', 'x', '1.00'],
    };
    const rs = b.records(keyChange, tx, 1, NOW);
    expect(rs.map((r) => (r.value === null ? null : (JSON.parse(r.value.toString()) as { transaction: { total_order: number } }).transaction.total_order)))
      .toEqual([2, null, 3]);
    expect(JSON.parse(meta.end(24023500n).value)).toMatchObject({ event_count: 3, data_collections: [{ data_collection: 'public.orders', event_count: 3 }] });
  });

  it('without metadata the block is null', () => {
    const [c] = make({}).records(insert, TX, 0, NOW);
    expect((JSON.parse(c!.value!.toString()) as { transaction: unknown }).transaction).toBeNull();
  });
});

describe('EnvelopeBuilder: nulls in columns with a default (JsonConverter replace.null.with.default)', () => {
  const people: Relation = { oid: 16390, schema: 'public', table: 'people', replicaIdentity: 'default', columns: [col('id', 20, true), col('age', 23), col('name', 25)] };
  const build = (options: Partial<EnvelopeOptions>, withDefaults = true): EnvelopeBuilder => new EnvelopeBuilder({
    connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '9.9.9', options: { ...OPTIONS, ...options },
    ...(withDefaults ? { columnDefaults: new Map([['public\0people', new Map([['age', '18']])]]) } : {}),
  });
  const nullInsert = { kind: 'insert' as const, lsn: lsn(24023128), relation: people, after: ['1', null, null] };
  const keyOnlyDelete = { kind: 'delete' as const, lsn: lsn(24023128), relation: people, before: ['1', null, null], beforeIsKeyOnly: true };
  const row = (b: EnvelopeBuilder, ev: typeof nullInsert | typeof keyOnlyDelete, side: 'after' | 'before', schemas = false): unknown => {
    const v = JSON.parse(b.records(ev, TX, 0, NOW)[0]!.value!.toString()) as Record<string, unknown> & { payload?: Record<string, unknown> };
    return (schemas ? v.payload! : v)[side];
  };

  it('writes the default for an explicit NULL and for a column a key-only old row lacks, schemas off and on', () => {
    for (const options of [{}, { replaceNullWithDefault: true }]) {
      expect(row(build(options), nullInsert, 'after')).toEqual({ id: 1, age: 18, name: null });
      expect(row(build(options), keyOnlyDelete, 'before')).toEqual({ id: 1, age: 18, name: null });
      expect(row(build({ ...options, schemas: true }), nullInsert, 'after', true)).toEqual({ id: 1, age: 18, name: null });
      expect(row(build({ ...options, schemas: true }), keyOnlyDelete, 'before', true)).toEqual({ id: 1, age: 18, name: null });
    }
    // A value is kept.
    expect(row(build({}), { ...nullInsert, after: ['1', '40', 'x'] }, 'after')).toEqual({ id: 1, age: 40, name: 'x' });
  });

  it('keeps null with replaceNullWithDefault false; the schema still carries the default', () => {
    const b = build({ replaceNullWithDefault: false, schemas: true });
    expect(row(b, nullInsert, 'after', true)).toEqual({ id: 1, age: null, name: null });
    expect(row(b, keyOnlyDelete, 'before', true)).toEqual({ id: 1, age: null, name: null });
    expect(b.tableSchemas(people).value.fields.find((f) => f.name === 'age')!.schema.defaultValue).toBe(18);
    expect(row(build({ replaceNullWithDefault: false }), nullInsert, 'after')).toEqual({ id: 1, age: null, name: null });
  });

  it('a column without a (loaded) default keeps null', () => {
    expect(row(build({}, false), nullInsert, 'after')).toEqual({ id: 1, age: null, name: null });
  });
});

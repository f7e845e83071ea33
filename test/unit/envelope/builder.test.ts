import type { EnvelopeOptions } from '../../../connector/envelope/options';
import { UNCHANGED_TOAST, type Column, type Relation, type TextValue } from '../../../connector/model/change';
import { EnvelopeBuilder, type TxContext } from '../../../connector/envelope/builder';
import { lsn, parseLsn } from '../../../connector/protocol/lsn';
import type { SinkRecord } from '../../../connector/model/record';

const OPTIONS: EnvelopeOptions = {
  tombstonesOnDelete: true,
  decimalHandling: 'precise',
  timePrecision: 'adaptive',
  binaryHandling: 'bytes',
  intervalHandling: 'numeric',
  skippedOperations: [],
  messagePrefixInclude: [],
  messagePrefixExclude: [],
  columnInclude: [],
  columnExclude: [],
  columnTruncate: [],
  columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [],
};

function builder(options: Partial<EnvelopeOptions> = {}): EnvelopeBuilder {
  return new EnvelopeBuilder({
    connectorName: 'shop',
    topicPrefix: 'shop',
    database: 'app',
    version: '9.9.9',
    options: { ...OPTIONS, ...options },
  });
}

const col = (name: string, typeOid: number, isKey = false): Column => ({ name, typeOid, typeMod: -1, isKey });

const orders: Relation = {
  oid: 16384,
  schema: 'public',
  table: 'orders',
  replicaIdentity: 'default',
  columns: [col('id', 20, true), col('status', 25), col('note', 25), col('amount', 1700)],
};

const TX: TxContext = {
  xid: 771,
  commitLsn: parseLsn('0/16E8A58'),
  commitTimeUs: 1700000000000001n,
  lastCommitLsn: lsn(24000000),
};
const NOW = 1700000000123456n;
const EV_LSN = lsn(24023128);

type Parsed = Record<string, unknown>;
const json = (b: Buffer | null): Parsed | null => (b === null ? null : (JSON.parse(b.toString('utf8')) as Parsed));
const value = (r: SinkRecord): Parsed => json(r.value)!;

describe('EnvelopeBuilder', () => {
  test('insert: full envelope, key, topic, id, headers', () => {
    const [r, ...rest] = builder().records(
      { kind: 'insert', lsn: EV_LSN, relation: orders, after: ['9007199254740993', 'new', null, '12.50'] },
      TX, 3, NOW,
    );
    expect(rest).toHaveLength(0);
    expect(r!.topic).toBe('shop.public.orders');
    expect(r!.id).toBe('0/16E8A58:3');
    expect(r!.headers).toEqual({ op: 'c' });
    expect(r!.key!.toString()).toBe('{"id":9007199254740993}');
    // Member order as Debezium 3.6.1's JsonConverter writes it (recorded by test/integration/compat).
    expect(r!.value!.toString()).toBe(
      '{"before":null,"after":{"id":9007199254740993,"status":"new","note":null,"amount":{"scale":1,"value":"fQ=="}},' +
        '"source":{"version":"9.9.9","connector":"postgresql","name":"shop","ts_ms":1700000000000,' +
        '"snapshot":"false","db":"app","sequence":"[\\"24000000\\",\\"24023128\\"]",' +
        '"ts_us":1700000000000001,"ts_ns":1700000000000001000,"schema":"public","table":"orders",' +
        '"txId":771,"lsn":24023128,"xmin":null,"origin":null,"origin_lsn":null},"transaction":null,' +
        '"op":"c","ts_ms":1700000000123,"ts_us":1700000000123456,"ts_ns":1700000000123456000}',
    );
  });

  test('sequence has null when the last commit LSN is unknown', () => {
    const [r] = builder().records(
      { kind: 'insert', lsn: EV_LSN, relation: orders, after: ['1', 'a', null, null] },
      { ...TX, lastCommitLsn: null }, 0, NOW,
    );
    expect((value(r!).source as Parsed).sequence).toBe('[null,"24023128"]');
  });

  test('update with default identity: before null', () => {
    const [r, ...rest] = builder().records(
      { kind: 'update', lsn: EV_LSN, relation: orders, before: null, beforeIsKeyOnly: false, after: ['1', 'paid', 'n', null] },
      TX, 0, NOW,
    );
    expect(rest).toHaveLength(0);
    expect(value(r!)).toMatchObject({ op: 'u', before: null, after: { id: 1, status: 'paid', note: 'n', amount: null } });
    expect(r!.key!.toString()).toBe('{"id":1}');
  });

  test('update with REPLICA IDENTITY FULL: before is the old row', () => {
    const full: Relation = { ...orders, replicaIdentity: 'full' };
    const [r] = builder().records(
      { kind: 'update', lsn: EV_LSN, relation: full, before: ['1', 'new', 'n', null], beforeIsKeyOnly: false, after: ['1', 'paid', 'n', null] },
      TX, 0, NOW,
    );
    expect(value(r!)).toMatchObject({ op: 'u', before: { id: 1, status: 'new' }, after: { id: 1, status: 'paid' } });
  });

  test('unchanged TOAST: placeholder, or the old value when the old row carries it', () => {
    const [a] = builder().records(
      { kind: 'update', lsn: EV_LSN, relation: orders, before: null, beforeIsKeyOnly: false, after: ['1', 'paid', UNCHANGED_TOAST, null] },
      TX, 0, NOW,
    );
    expect((value(a!).after as Parsed).note).toBe('__debezium_unavailable_value');
    const [b] = builder().records(
      { kind: 'update', lsn: EV_LSN, relation: orders, before: ['1', 'new', 'long text', null], beforeIsKeyOnly: false, after: ['1', 'paid', UNCHANGED_TOAST, null] },
      TX, 0, NOW,
    );
    expect((value(b!).after as Parsed).note).toBe('long text');
  });

  test('unchanged TOAST bytea gets the base64 of the placeholder bytes', () => {
    const blobs: Relation = { ...orders, columns: [col('id', 23, true), col('data', 17)] };
    const [r] = builder().records(
      { kind: 'update', lsn: EV_LSN, relation: blobs, before: null, beforeIsKeyOnly: false, after: ['1', UNCHANGED_TOAST] },
      TX, 0, NOW,
    );
    expect((value(r!).after as Parsed).data).toBe(Buffer.from('__debezium_unavailable_value').toString('base64'));
  });

  test('update that changes the key: delete old key, tombstone, create new row', () => {
    const oldKeyOnly: TextValue[] = ['1', null, null, null];
    const recs = builder().records(
      { kind: 'update', lsn: EV_LSN, relation: orders, before: oldKeyOnly, beforeIsKeyOnly: true, after: ['2', 'moved', null, null] },
      TX, 10, NOW,
    );
    expect(recs.map((r) => r.id)).toEqual(['0/16E8A58:10', '0/16E8A58:11', '0/16E8A58:12']);
    const [del, tomb, create] = recs;
    expect(del!.key!.toString()).toBe('{"id":1}');
    expect(value(del!)).toMatchObject({ op: 'd', before: { id: 1, status: null }, after: null });
    expect(del!.headers).toEqual({ op: 'd', '__debezium.newkey': '{"id":2}' });
    expect(tomb!.key!.toString()).toBe('{"id":1}');
    expect(tomb!.value).toBeNull();
    expect(tomb!.headers).toEqual({ op: 'd', '__debezium.newkey': '{"id":2}' });
    expect(create!.key!.toString()).toBe('{"id":2}');
    expect(value(create!)).toMatchObject({ op: 'c', before: null, after: { id: 2, status: 'moved' } });
    expect(create!.headers).toEqual({ op: 'c', '__debezium.oldkey': '{"id":1}' });
  });

  test('key change without tombstones: two records', () => {
    const recs = builder({ tombstonesOnDelete: false }).records(
      { kind: 'update', lsn: EV_LSN, relation: orders, before: ['1', null, null, null], beforeIsKeyOnly: true, after: ['2', 'x', null, null] },
      TX, 0, NOW,
    );
    expect(recs.map((r) => value(r).op)).toEqual(['d', 'c']);
  });

  test('delete with key-only old row, then tombstone', () => {
    const recs = builder().records(
      { kind: 'delete', lsn: EV_LSN, relation: orders, before: ['7', null, null, null], beforeIsKeyOnly: true },
      TX, 0, NOW,
    );
    expect(recs).toHaveLength(2);
    expect(value(recs[0]!)).toMatchObject({ op: 'd', before: { id: 7, status: null, note: null, amount: null }, after: null });
    expect(recs[1]).toEqual({ topic: 'shop.public.orders', key: recs[0]!.key, value: null, headers: { op: 'd' }, id: '0/16E8A58:1' });
  });

  test('delete with tombstones off: one record', () => {
    const recs = builder({ tombstonesOnDelete: false }).records(
      { kind: 'delete', lsn: EV_LSN, relation: orders, before: ['7', null, null, null], beforeIsKeyOnly: true },
      TX, 0, NOW,
    );
    expect(recs).toHaveLength(1);
  });

  test('table without key: null key, no tombstone', () => {
    const log: Relation = { ...orders, table: 'log', replicaIdentity: 'full', columns: [col('msg', 25)] };
    const recs = builder().records(
      { kind: 'delete', lsn: EV_LSN, relation: log, before: ['bye'], beforeIsKeyOnly: false },
      TX, 0, NOW,
    );
    expect(recs).toHaveLength(1);
    expect(recs[0]!.key).toBeNull();
  });

  test('truncate: one op t record per table on its topic', () => {
    const items: Relation = { ...orders, oid: 2, schema: 'my.schema', table: 'Order Items' };
    const recs = builder().records(
      { kind: 'truncate', lsn: EV_LSN, relations: [orders, items], cascade: false, restartIdentity: false },
      TX, 5, NOW,
    );
    expect(recs.map((r) => [r.topic, r.id, r.key])).toEqual([
      ['shop.public.orders', '0/16E8A58:5', null],
      ['shop.my_schema.Order_Items', '0/16E8A58:6', null],
    ]);
    expect(value(recs[1]!)).toMatchObject({ op: 't', before: null, after: null, source: { schema: 'my.schema', table: 'Order Items' } });
    expect(recs[1]!.headers).toEqual({ op: 't' });
  });

  test('key-only delete: NOT NULL columns get Debezium\'s fallback values, nullable ones null', () => {
    // Debezium 3.6.1 wrote these for a REPLICA IDENTITY DEFAULT delete (test/integration/compat).
    const rel: Relation = {
      ...orders, oid: 555,
      columns: [col('id', 23, true), col('n', 23), col('t', 25), col('b', 16), col('d', 1082), col('ts', 1114),
        col('tstz', 1184), { ...col('num', 1700), typeMod: 393222 }, col('bin', 17), col('opt', 25)],
    };
    const b = new EnvelopeBuilder({
      connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '9.9.9', options: OPTIONS,
      notNullColumns: new Map([['public\0orders', new Set(['id', 'n', 't', 'b', 'd', 'ts', 'tstz', 'num', 'bin'])]]),
    });
    const [del] = b.records(
      { kind: 'delete', lsn: EV_LSN, relation: rel, before: ['2', null, null, null, null, null, null, null, null, null], beforeIsKeyOnly: true },
      TX, 0, NOW,
    );
    expect(value(del!).before).toEqual({ id: 2, n: 0, t: '', b: false, d: 0, ts: 0, tstz: '1970-01-01T00:00:00Z', num: 'AA==', bin: '', opt: null });
    // Without the catalog (or for a full old row) nothing is invented.
    const [plain] = builder().records(
      { kind: 'delete', lsn: EV_LSN, relation: rel, before: ['2', null, null, null, null, null, null, null, null, null], beforeIsKeyOnly: true },
      TX, 0, NOW,
    );
    expect((value(plain!).before as Parsed).n).toBeNull();
  });

  test('logical message: op m on <prefix>.message', () => {
    const [r] = builder().records(
      { kind: 'message', lsn: EV_LSN, transactional: true, prefix: 'audit', content: Buffer.from('hi') },
      TX, 0, NOW,
    );
    expect(r!.topic).toBe('shop.message');
    expect(r!.key!.toString()).toBe('{"prefix":"audit"}');
    expect(value(r!)).toMatchObject({
      op: 'm',
      message: { prefix: 'audit', content: 'aGk=' },
      source: { schema: '', table: '', txId: 771, lsn: 24023128 },
    });
    // Debezium's message envelope: ts_ms only, then source, transaction, message.
    expect(Object.keys(value(r!))).toEqual(['op', 'ts_ms', 'source', 'transaction', 'message']);
    const [nt] = builder().records(
      { kind: 'message', lsn: EV_LSN, transactional: false, prefix: 'audit', content: Buffer.alloc(0) },
      TX, 0, NOW,
    );
    expect((value(nt!).source as Parsed).txId).toBeNull();
  });

  test('snapshot record: op r, marker, snapshot LSN', () => {
    const r = builder().snapshotRecord(orders, ['1', 'a', null, '1'], 'first', lsn(500), 'snap:0', NOW, 812);
    expect(r.id).toBe('snap:0');
    expect(r.headers).toEqual({ op: 'r' });
    expect(value(r)).toMatchObject({
      op: 'r',
      before: null,
      after: { id: 1, status: 'a' },
      source: { snapshot: 'first', lsn: 500, sequence: '[null,"500"]', txId: 812 },
    });
  });

  test('per-relation state follows the Relation object', () => {
    const b = builder();
    const v1: Relation = { ...orders, columns: [col('id', 20, true), col('n', 23)] };
    const v2: Relation = { ...orders, columns: [col('id', 20, true), col('n', 25)] };
    const after = ['1', '5'];
    expect((value(b.records({ kind: 'insert', lsn: EV_LSN, relation: v1, after }, TX, 0, NOW)[0]!).after as Parsed).n).toBe(5);
    expect((value(b.records({ kind: 'insert', lsn: EV_LSN, relation: v2, after }, TX, 0, NOW)[0]!).after as Parsed).n).toBe('5');
  });
});

describe('EnvelopeBuilder escaping', () => {
  test('names and values needing JSON escapes produce valid JSON', () => {
    const rel: Relation = {
      oid: 9, schema: 'Sch"ema', table: 'Order Items', replicaIdentity: 'default',
      columns: [col('id "q"', 25, true), col('naïve\n', 25)],
    };
    const b = new EnvelopeBuilder({ connectorName: 'sh"op', topicPrefix: 'shop', database: 'a\\pp', version: '1', options: OPTIONS });
    const [r] = b.records({ kind: 'insert', lsn: EV_LSN, relation: rel, after: ['k\u0001', 'v "😀"'] }, TX, 0, NOW);
    expect(r!.topic).toBe('shop.Sch_ema.Order_Items');
    expect(json(r!.key)).toEqual({ 'id "q"': 'k\u0001' });
    expect(value(r!)).toMatchObject({
      after: { 'id "q"': 'k\u0001', 'naïve\n': 'v "😀"' },
      source: { name: 'sh"op', db: 'a\\pp', schema: 'Sch"ema', table: 'Order Items' },
    });
  });
});

/**
 * Snapshot rows become op 'r' records through the fast per-relation encoder (SnapshotRecords ->
 * FastEnvelopeBuilder.snapshotRecordKeyId). Each record must be, byte for byte, what the generic
 * EnvelopeBuilder.snapshotRecord writes for the same row, with the id
 * `<consistent point>:r:<schema>.<table>:<key JSON | ctid>` and the processing time read at the
 * last tick(): over many types and text forms, keyed and keyless tables, interleaved tables and
 * markers, and with options that take the generic builder.
 */
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import { EnvelopeBuilder, type EnvelopeContext, type SnapshotMarker } from '../../../connector/envelope/builder';
import { createEnvelopeBuilder, FastEnvelopeBuilder } from '../../../connector/envelope/fast';
import { UNCHANGED_TOAST, type Column, type Relation } from '../../../connector/model/change';
import type { SinkRecord } from '../../../connector/model/record';
import { parseLsn } from '../../../connector/protocol/lsn';
import { SnapshotRecords } from '../../../connector/snapshot/row-records';
import type { SnapshotTable } from '../../../connector/snapshot/types';
import { DEFAULT_ENVELOPE } from '../../support/envelope-equivalence';

const numericMod = (p: number, s: number): number => ((p << 16) | s) + 4;

/** [name, type OID, typmod, key, text values as COPY hands them (null = SQL NULL)]. */
const COLUMNS: ReadonlyArray<readonly [string, number, number, boolean, readonly (string | null)[]]> = [
  ['id', 20, -1, true, ['1', '9223372036854775807', '-9223372036854775808', '0', '42']],
  ['name', 25, -1, true, ['a', 'ünï 😀', 'quote " and \\ back', 'tab\there\nline', '', '\u0001']],
  ['c_int2', 21, -1, false, ['1', '-32768', null]],
  ['c_int4', 23, -1, false, ['2', '2147483647', '00012', null]],
  ['c_bool', 16, -1, false, ['t', 'f', null]],
  ['c_text', 25, -1, false, ['hello', 'ünïcödé ✓ 😀', 'x'.repeat(300), 'é'.repeat(2000), '\ud800 lone', null]],
  ['c_varchar', 1043, 24, false, ['varchar', null]],
  ['c_uuid', 2950, -1, false, ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null]],
  ['c_jsonb', 3802, -1, false, ['{"a": 2, "b": "ü"}', '[]', null]],
  ['c_tstz', 1184, -1, false, ['2024-02-29 13:14:15.123456+00', '2024-02-29 13:14:15+02', 'infinity', null]],
  ['c_numeric_12_2', 1700, numericMod(12, 2), false, ['12.34', '-0.01', '9999999999.99', 'NaN', null]],
  ['c_numeric', 1700, -1, false, ['12.3400', '1e5', null]],
  ['c_float8', 701, -1, false, ['1.5', '-Infinity', null]],
  ['c_date', 1082, -1, false, ['2024-02-29', null]],
  ['c_time', 1083, -1, false, ['13:14:15.123456', null]],
  ['c_ts', 1114, -1, false, ['2024-02-29 13:14:15.123456', null]],
  ['c_bytea', 17, -1, false, ['\\x0102fe', '\\x', null]],
  ['c_interval', 1186, -1, false, ['1 year 2 mons 3 days 04:05:06.78', null]],
  ['a_int4', 1007, -1, false, ['{1,NULL,3}', null]],
  ['c_money', 790, -1, false, ['$12.34', null]],
];

const columns: Column[] = COLUMNS.map(([name, typeOid, typeMod, isKey]) => ({ name, typeOid, typeMod, isKey }));
const keyed: Relation = { oid: 16384, schema: 'public', table: 'Order Items', replicaIdentity: 'default', columns };
const keyless: Relation = { oid: 16385, schema: 'app', table: 'log', replicaIdentity: 'default', columns: columns.map((c) => ({ ...c, isKey: false })) };

const ROWS: (string | null)[][] = Array.from(
  { length: Math.max(...COLUMNS.map((c) => c[4].length)) + 3 },
  (_, r) => COLUMNS.map((c) => c[4][r % c[4].length]!),
);

const TABLES: readonly SnapshotTable[] = [
  { index: 0, relation: keyed, primaryKey: [{ name: 'id', typeSql: '"pg_catalog"."int8"', collationSql: null }, { name: 'name', typeSql: '"pg_catalog"."text"', collationSql: '"pg_catalog"."default"' }], estimatedRows: 10, relPages: 1, pages: 1, partitioned: false },
  { index: 1, relation: keyless, primaryKey: [], estimatedRows: 10, relPages: 1, pages: 1, partitioned: false },
];

const CTX = { connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '9.9.9', userTypes: new Map(), notNullColumns: new Map() };
const POINT = parseLsn('1/2A3B4C5D');
const MARKERS: readonly SnapshotMarker[] = ['first', 'true', 'true', 'first_in_data_collection', 'last_in_data_collection', 'last'];
const CLOCK_MS = [1700000000123, 1700000000124, 1700000005000];

/** Every field as bytes/text, so toEqual compares the bytes. */
const bytes = (r: SinkRecord): unknown => ({ topic: r.topic, id: r.id, headers: r.headers, key: r.key?.toString('hex') ?? null, value: r.value?.toString('hex') ?? null });

/**
 * What the snapshot wrote before the fast path: the generic builder's record, the id from the
 * key Buffer (keyed) or the ctid (keyless, which is not a column).
 */
function expected(generic: EnvelopeBuilder, table: SnapshotTable, row: readonly (string | null)[], marker: SnapshotMarker, nowUs: bigint, txId: number | null): unknown {
  const keyless = table.primaryKey.length === 0;
  const record = generic.snapshotRecord(table.relation, keyless ? row.slice(1) : row, marker, POINT, '', nowUs, txId);
  const suffix = keyless ? row[0] : record.key?.toString('utf8') ?? '';
  return bytes({ ...record, id: `1/2A3B4C5D:r:${table.relation.schema}.${table.relation.table}:${suffix}` });
}

function compare(options: Partial<EnvelopeOptions>, fastExpected: boolean): void {
  const ctx: EnvelopeContext = { ...CTX, options: { ...DEFAULT_ENVELOPE, ...options } };
  const builder = createEnvelopeBuilder(ctx);
  expect(builder instanceof FastEnvelopeBuilder).toBe(fastExpected);
  const generic = new EnvelopeBuilder(ctx);
  const now = jest.spyOn(Date, 'now');
  try {
    for (const txId of [null, 4321]) {
      now.mockReturnValue(CLOCK_MS[0]!);
      const records = new SnapshotRecords(builder, POINT, txId, TABLES);
      let compared = 0;
      ROWS.forEach((row, i) => {
        if (i % 5 === 4) {
          now.mockReturnValue(CLOCK_MS[Math.floor(i / 5) % CLOCK_MS.length]!);
          records.tick();
        }
        const nowUs = BigInt(Date.now()) * 1000n;
        // Tables and markers interleave, as two readers' rows do.
        const marker = MARKERS[i % MARKERS.length]!;
        const table = TABLES[i % 2]!;
        const input = table.primaryKey.length === 0 ? [`(${i},${i % 7})`, ...row] : row;
        expect(bytes(records.record(table, input, marker))).toEqual(expected(generic, table, input, marker, nowUs, txId));
        compared++;
      });
      expect(compared).toBe(ROWS.length);
    }
  } finally {
    now.mockRestore();
  }
}

describe('snapshot records: the generic builder\'s bytes and the snapshot id', () => {
  test('default options (fast encoder)', () => compare({}, true));
  test.each(['double', 'string'] as const)('decimalHandling %s (fast encoder)', (decimalHandling) => compare({ decimalHandling }, true));
  test('column controls and message key columns (fast encoder)', () => {
    compare({ columnTruncate: ['public.Order Items.c_text=3'], columnMask: ['public.Order Items.c_varchar=4'], columnExclude: ['app.log.c_jsonb'] }, true);
    compare({ messageKeyColumns: ['app.log:c_int4,c_text'] }, true);
  });
  test('envelope.schemas (generic builder): id from the key as before', () => compare({ schemas: true }, false));

  test('a row with an unchanged TOAST placeholder (never from COPY) takes the generic path, same id', () => {
    const ctx: EnvelopeContext = { ...CTX, options: DEFAULT_ENVELOPE };
    const fast = new FastEnvelopeBuilder(ctx);
    const generic = new EnvelopeBuilder(ctx);
    const row = ROWS[1]!.map((v, i) => (i === 5 ? UNCHANGED_TOAST : v));
    const got = fast.snapshotRecordKeyId(keyed, row, 'true', POINT, 'p:', 1700000000123000n, 7);
    const want = generic.snapshotRecord(keyed, row, 'true', POINT, '', 1700000000123000n, 7);
    expect(bytes(got)).toEqual(bytes({ ...want, id: `p:${want.key!.toString('utf8')}` }));
  });

  test('the processing time is the one read at the last tick', () => {
    const ctx: EnvelopeContext = { ...CTX, options: DEFAULT_ENVELOPE };
    const now = jest.spyOn(Date, 'now').mockReturnValue(1700000000123);
    try {
      const records = new SnapshotRecords(createEnvelopeBuilder(ctx), POINT, null, TABLES);
      now.mockReturnValue(1700000009999);
      const before = JSON.parse(records.record(TABLES[0]!, ROWS[0]!, 'true').value!.toString('utf8')) as { ts_ms: number; source: { ts_us: number } };
      expect([before.ts_ms, before.source.ts_us]).toEqual([1700000000123, 1700000000123000]);
      records.tick();
      const after = JSON.parse(records.record(TABLES[0]!, ROWS[0]!, 'true').value!.toString('utf8')) as { ts_ms: number; source: { ts_us: number } };
      expect([after.ts_ms, after.source.ts_us]).toEqual([1700000009999, 1700000009999000]);
    } finally {
      now.mockRestore();
    }
  });
});

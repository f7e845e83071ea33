/**
 * The fast envelope path must write exactly the generic builder's bytes: every record of every
 * row below is compared byte for byte (key, value, topic, id, headers) under every handling mode
 * and the column controls. Values are PostgreSQL text forms: the canonical ones the fast column
 * writers take, and edge and non-canonical ones they must hand to the generic converter.
 */
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import type { Column, Relation, TextValue } from '../../../connector/model/change';
import { EnvelopeBuilder } from '../../../connector/envelope/builder';
import { smallTwosComplementBase64 } from '../../../connector/envelope/fast/column-json';
import { FastEnvelopeBuilder, createEnvelopeBuilder, uncoveredEnvelopeOptions } from '../../../connector/envelope/fast';
import { lsn } from '../../../connector/protocol/lsn';
import { twosComplementBase64 } from '../../../connector/envelope/values/numeric';
import type { UserTypes } from '../../../connector/model/user-types';
import { DEFAULT_ENVELOPE, expectSameRecords } from '../../support/envelope-equivalence';

const OPTIONS = DEFAULT_ENVELOPE;

const numericMod = (p: number, s: number): number => ((p << 16) | s) + 4;

/** [name, type OID, typmod, key, text values (null = SQL NULL)]. */
const COLUMNS: ReadonlyArray<readonly [string, number, number, boolean, readonly (string | null)[]]> = [
  ['id', 20, -1, true, ['1', '9223372036854775807', '-9223372036854775808', '0', '9007199254740993']],
  ['k2', 23, -1, true, ['7', '-2147483648', '2147483647', '0']],
  ['c_int2', 21, -1, false, ['1', '-32768', '32767', '0', null]],
  ['c_int4', 23, -1, false, ['2', '-2147483648', '2147483647', '00012', '-0', '+5', null]],
  ['c_int8', 20, -1, false, ['3', '9223372036854775807', '-9223372036854775808', '0', '007', '-0', null]],
  ['c_oid', 26, -1, false, ['12345', '4294967295', '0', null]],
  ['c_bool', 16, -1, false, ['t', 'f', 'true', 'false', null]],
  ['c_text', 25, -1, false, ['hello', '', 'quote " and \\ back', 'tab\there\nline', 'ünï 😀 \u0001', 'x'.repeat(80), '\ud800 lone', null,
    // Past quotedAscii's loop (40 characters): copied natively, then checked byte by byte.
    'y'.repeat(41), 'y'.repeat(45) + 'é', 'y'.repeat(44) + '"', 'y'.repeat(50) + '\\', 'y'.repeat(50) + '\u0001', 'y'.repeat(41) + '😀',
    '€' + 'y'.repeat(60), 'y'.repeat(256), 'y'.repeat(257),
  ]],
  ['c_varchar', 1043, 24, false, ['varchar', 'é', null]],
  ['c_bpchar', 1042, 9, false, ['ab   ', null]],
  ['c_char', 18, -1, false, ['x', '\\001', null]],
  ['c_name', 19, -1, false, ['a_name', null]],
  ['c_uuid', 2950, -1, false, ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null]],
  ['c_json', 114, -1, false, ['{"a": [1, 2.0]}', '"s"', null]],
  ['c_jsonb', 3802, -1, false, ['{"a": 2, "b": 1}', '[]', null]],
  ['c_xml', 142, -1, false, ['<a>x</a>', null]],
  ['c_inet', 869, -1, false, ['192.168.0.1/24', '::1', null]],
  ['c_macaddr', 829, -1, false, ['08:00:2b:01:02:03', null]],
  ['c_tstz', 1184, -1, false, [
    '2024-02-29 13:14:15.123456+00', '2024-02-29 13:14:15+00', '2024-02-29 13:14:15.5+00', '2024-02-29 13:14:15+02',
    '1969-12-31 23:59:59.999999+00', '0099-01-01 00:00:00+00', '2000-01-01 00:00:00+00 BC', 'infinity', '-infinity',
    '2024-02-29 13:14:15.123-03:30', '10000-01-01 00:00:00+00', null,
    // Not ASCII, yet each character's low byte is a digit of the form (U+0130 → '0', U+0132 →
    // '2'): a check that read a one-byte-per-character copy (latin1) would accept them.
    '2024-02-29 13:14:15.12345\u0130+00', '\u0132024-02-29 13:14:15+00', '2024-02-29 13:14:15.1234+0\u0130',
  ]],
  ['c_tstz0', 1184, 0, false, ['2024-02-29 13:14:15+00', '2024-02-29 13:14:15+05:30', null]],
  ['c_tstz3', 1184, 3, false, ['2024-02-29 13:14:15.123+00', '2024-02-29 13:14:15.1+00', '2024-02-29 13:14:15+00', null]],
  ['c_numeric', 1700, -1, false, ['12.3400', '0', '-0.5', 'NaN', 'Infinity', '1e5', null]],
  ['c_numeric_10_2', 1700, numericMod(10, 2), false, [
    '12.34', '0.00', '-0.01', '-12.34', '99999999.99', '-99999999.99', '1.27', '1.28', '-1.28', '-1.29', '655.35', '0.5', '12', 'NaN',
    '00012.30', '1.234', null,
  ]],
  ['c_numeric_5_0', 1700, numericMod(5, 0), false, ['12345', '-1', '0', '-0', '127', '128', '-128', '-129', '32767', '32768', '.5', '5.', '1e3', '999999999999999', '1000000000000000', '-999999999999999', '1-2', '', null]],
  ['c_numeric_18_4', 1700, numericMod(18, 4), false, ['12345678901234.5678', '123456789012.3456', '-99999999999.9999', '99999999999.9999', '100000000000.0000', '0.0001', '0.00001', null]],
  ['c_numeric_neg', 1700, numericMod(5, -2 & 0x7ff), false, ['12300', null]],
  ['c_float8', 701, -1, false, ['1.5', 'NaN', '-Infinity', '1e+100', null]],
  ['c_date', 1082, -1, false, ['2024-02-29', '1969-12-31', null]],
  ['c_time', 1083, -1, false, ['13:14:15.123456', '24:00:00', null]],
  ['c_ts', 1114, -1, false, ['2024-02-29 13:14:15.123456', 'infinity', null]],
  ['c_bytea', 17, -1, false, ['\\x0102fe', '\\x', null]],
  ['c_interval', 1186, -1, false, ['1 year 2 mons 3 days 04:05:06.78', '-00:00:01', null]],
  ['c_money', 790, -1, false, ['$12.34', '-$1,234.56', null]],
  ['a_int4', 1007, -1, false, ['{1,NULL,3}', '{}', null]],
  ['a_numeric', 1231, -1, false, ['{1.10,NaN}', null]],
  ['c_box', 603, -1, false, ['(1,1),(0,0)', null]],
  ['c_enum', 70001, -1, false, ['happy', null]],
  ['c_dom', 70002, -1, false, ['7', null]],
];

const USER_TYPES: UserTypes = new Map([
  [70001, { oid: 70001, name: 'mood', kind: 'e', baseOid: 0, baseTypeMod: -1, elementOid: 0 }],
  [70002, { oid: 70002, name: 'posint', kind: 'd', baseOid: 23, baseTypeMod: -1, elementOid: 0 }],
]);

const columns: Column[] = COLUMNS.map(([name, typeOid, typeMod, isKey]) => ({ name, typeOid, typeMod, isKey }));
const relation: Relation = { oid: 16384, schema: 'public', table: 'torture', replicaIdentity: 'default', columns };
const keyless: Relation = { ...relation, oid: 16385, table: 'nokey', columns: columns.map((c) => ({ ...c, isKey: false })) };

/** Enough rows that every value of every column appears. */
const ROWS: TextValue[][] = Array.from(
  { length: Math.max(...COLUMNS.map((c) => c[4].length)) },
  (_, r) => COLUMNS.map((c) => c[4][r % c[4].length]!),
);

const CTX = {
  connectorName: 'shop "east"', topicPrefix: 'shop', database: 'app', version: '9.9.9', userTypes: USER_TYPES,
  notNullColumns: new Map([['public\0torture', new Set(['c_int4', 'c_text'])]]),
};

function compare(options: Partial<EnvelopeOptions>): void {
  // Most comparisons convert: they are not only between two errors.
  expect(expectSameRecords(CTX, options, [relation, keyless], ROWS)).toBeGreaterThan(ROWS.length * 10);
}

describe('fast envelope encoder: byte-identical to the generic builder', () => {
  test('default options', () => compare({}));

  test.each(['precise', 'double', 'string'] as const)('decimalHandling %s', (decimalHandling) => compare({ decimalHandling }));
  test.each(['adaptive', 'adaptive_time_microseconds', 'connect', 'isostring'] as const)('timePrecision %s', (timePrecision) => compare({ timePrecision }));
  test.each(['bytes', 'base64', 'base64-url-safe', 'hex'] as const)('binaryHandling %s', (binaryHandling) => compare({ binaryHandling, intervalHandling: 'string' }));

  test('column controls and message key columns', () => {
    compare({ columnTruncate: ['public.torture.c_text=3'], columnMask: ['public.torture.c_varchar=4', 'public.torture.id=2'], columnExclude: ['public.torture.c_json'] });
    compare({ columnMaskWithHash: ['public.torture.c_text', 'public.torture.k2'], columnHashSalt: 's', columnInclude: [] });
    compare({ columnInclude: ['public.torture.c_int4', 'public.torture.c_tstz'] });
    compare({ messageKeyColumns: ['public.torture:c_int4,c_text'] });
    compare({ messageKeyColumns: ['public.nokey:c_numeric_10_2'] });
  });

  test('nulls replaced by column defaults (replaceNullWithDefault), on and off', () => {
    const defaults = new Map([
      ['c_int2', '5'], ['c_bool', 't'], ['c_text', 'd'], ['c_varchar', "it's"], ['c_tstz', '2024-01-01 00:00:00+00'],
      ['c_numeric_10_2', '1.50'], ['c_enum', 'happy'], ['c_bytea', '\\x01'], ['c_date', 'not a date'], ['c_int4', '9'],
    ]);
    const columnDefaults = new Map([['public\0torture', defaults], ['public\0nokey', defaults]]);
    for (const replaceNullWithDefault of [true, false, undefined]) {
      const options = replaceNullWithDefault === undefined ? {} : { replaceNullWithDefault };
      expect(expectSameRecords({ ...CTX, columnDefaults }, options, [relation, keyless], ROWS)).toBeGreaterThan(ROWS.length * 10);
      expect(expectSameRecords({ ...CTX, columnDefaults }, { ...options, messageKeyColumns: ['public.nokey:c_int2,c_text'], columnTruncate: ['public.torture.c_text=3'] }, [relation, keyless], ROWS))
        .toBeGreaterThan(ROWS.length * 10);
    }
  });

  test('skipped operations and tombstones', () => {
    compare({ skippedOperations: ['c'] });
    compare({ skippedOperations: ['u', 'd'], tombstonesOnDelete: false });
  });

  test('event LSNs beyond 2^53 (written through bigint text, not as a JS number)', () => {
    const generic = new EnvelopeBuilder({ ...CTX, options: OPTIONS });
    const fast = new FastEnvelopeBuilder({ ...CTX, options: OPTIONS });
    for (const at of [2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      const ev = { kind: 'insert', lsn: lsn(at), relation, after: ROWS[0]! } as const;
      const tx = { xid: 9, commitLsn: lsn(at), commitTimeUs: 1700000000000001n, lastCommitLsn: lsn(at - 1n) };
      const [want] = generic.records(ev, tx, 0, 1700000000123456n);
      const [got] = fast.records(ev, tx, 0, 1700000000123456n);
      expect(got!.value!.toString('utf8')).toBe(want!.value!.toString('utf8'));
      expect(got!.value!.toString('utf8')).toContain(`"lsn":${at}`);
    }
  });

  test('transactions of one row, of many, and of several tables interleaved (source parts written as text, then as bytes)', () => {
    // Names past the slab's short-text loop (48 characters), and not ASCII.
    const other: Relation = { ...relation, oid: 16386, schema: 'ventes_été_2024_avec_un_nom_de_schéma_très_long', table: 'commandes_über_😀_'.repeat(3) };
    // The same table after an ALTER inside the transaction: a new Relation object, a new encoder.
    const altered: Relation = { ...relation, columns: relation.columns.map((c) => (c.name === 'c_text' ? { ...c, name: 'c_text_renamed' } : c)) };
    const generic = new EnvelopeBuilder({ ...CTX, options: OPTIONS });
    const fast = new FastEnvelopeBuilder({ ...CTX, options: OPTIONS });
    // One-row transactions back to back, then one with three tables taking turns (A B A C B A ...).
    const plan: [number, Relation][] = [
      [1, relation], [2, keyless], [3, relation], [4, other],
      ...Array.from({ length: 12 }, (_, i): [number, Relation] => [5, [relation, keyless, relation, other, keyless][i % 5]!]),
      [6, other], [6, other],
      [7, relation], [7, relation], [7, altered], [7, altered], [7, relation],
    ];
    // Rows every column converts (some ROWS hold values both paths refuse).
    const good = ROWS.filter((row) => {
      try {
        generic.records({ kind: 'insert', lsn: lsn(1), relation, after: row }, { xid: 0, commitLsn: lsn(1), commitTimeUs: 0n, lastCommitLsn: null }, 0, 0n);
        return true;
      } catch {
        return false;
      }
    });
    expect(good.length).toBeGreaterThan(2);
    let index = 0;
    plan.forEach(([xid, rel], i) => {
      const tx = { xid, commitLsn: lsn(1000 * xid), commitTimeUs: 1700000000000001n + BigInt(xid), lastCommitLsn: xid === 1 ? null : lsn(1000 * (xid - 1)) };
      for (const kind of ['insert', 'update'] as const) {
        const ev = kind === 'insert'
          ? { kind, lsn: lsn(1000 * xid + i), relation: rel, after: good[i % good.length]! } as const
          : { kind, lsn: lsn(1000 * xid + i), relation: rel, before: null, beforeIsKeyOnly: false, after: good[i % good.length]! } as const;
        const want = generic.records(ev, tx, index, 1700000000123456n);
        const got = fast.records(ev, tx, index, 1700000000123456n);
        expect(got.map((r) => [r.id, r.key?.toString('utf8'), r.value!.toString('utf8')])).toEqual(want.map((r) => [r.id, r.key?.toString('utf8'), r.value!.toString('utf8')]));
        index += want.length;
      }
    });
  });

  test('base64 of small two\'s complement integers equals the BigInt version', () => {
    const values = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 2 ** 31, -(2 ** 31), 2 ** 52, -(2 ** 52), 999999999999999, -999999999999999];
    for (let v = -70000; v <= 70000; v += 7) values.push(v);
    for (const v of values) expect(smallTwosComplementBase64(v)).toBe(twosComplementBase64(BigInt(v)));
  });
});

describe('fast envelope routing', () => {
  test('covers every current envelope option', () => {
    expect(uncoveredEnvelopeOptions(OPTIONS)).toEqual([]);
    expect(createEnvelopeBuilder({ ...CTX, options: OPTIONS })).toBeInstanceOf(FastEnvelopeBuilder);
  });

  test('an option it was not checked against turns it off', () => {
    const options = { ...OPTIONS, schemas: true } as EnvelopeOptions;
    expect(uncoveredEnvelopeOptions(options)).toEqual(['schemas']);
    const b = createEnvelopeBuilder({ ...CTX, options });
    expect(b).toBeInstanceOf(EnvelopeBuilder);
    expect(b).not.toBeInstanceOf(FastEnvelopeBuilder);
  });

  test('schemas and the transaction block go to the generic builder; off, they keep the fast one', () => {
    expect(uncoveredEnvelopeOptions({ ...OPTIONS, schemas: true, transactionMetadata: true } as EnvelopeOptions)).toEqual(['schemas', 'transactionMetadata']);
    expect(createEnvelopeBuilder({ ...CTX, options: { ...OPTIONS, schemas: false, transactionMetadata: false } as EnvelopeOptions })).toBeInstanceOf(FastEnvelopeBuilder);
  });
});

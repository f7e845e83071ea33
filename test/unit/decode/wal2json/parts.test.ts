import { UNCHANGED_TOAST } from '../../../../connector/model/change';
import { createWal2jsonDecoder, formatWal2jsonStartOptions, synthesizeRelationOid } from '../../../../connector/decode/wal2json';
import { parseCommitTimestamp } from '../../../../connector/decode/wal2json/commit-time';
import { parseWal2jsonPayload } from '../../../../connector/decode/wal2json/payload';
import { typeModFromTypeName } from '../../../../connector/decode/wal2json/typmod';
import { isConnectorError } from '../../../../connector/errors';
import { lsn } from '../../../../connector/protocol/lsn';

describe('start options', () => {
  it('quotes names, doubles single quotes and escapes add-tables the way wal2json parses it', () => {
    const s = formatWal2jsonStartOptions({ tables: [{ schema: 'public', table: "it's a.b,c" }, { schema: 'x*', table: 'back\\slash' }], messages: true });
    expect(s.startsWith(`"format-version" '2', "include-transaction" '1'`)).toBe(true);
    // verified against wal2json 2.5: this selects exactly the table "it's a.b,c"
    expect(s).toContain(`"add-tables" 'public.it''s\\ a\\.b\\,c,x\\*.back\\\\slash'`);
    expect(s).not.toContain('numeric-data-types-as-string');
  });
  it('all tables: no add-tables; prefixes only when wal2json can express them', () => {
    expect(formatWal2jsonStartOptions({ tables: null, messages: true })).not.toContain('add-tables');
    expect(formatWal2jsonStartOptions({ tables: null, messages: true, messagePrefixes: ['a', 'b'] })).toContain(`"add-msg-prefixes" 'a,b'`);
    expect(formatWal2jsonStartOptions({ tables: null, messages: true, messagePrefixes: ['a,b'] })).not.toContain('add-msg-prefixes');
    expect(formatWal2jsonStartOptions({ tables: null, messages: true, numericDataTypesAsString: true })).toContain(`"numeric-data-types-as-string" '1'`);
  });
});

describe('payload parsing', () => {
  it('keeps unquoted numbers as their digits and leaves look-alikes inside strings alone', () => {
    const r = parseWal2jsonPayload('{"action":"I","columns":[{"name":"a","value":12345678901234567890123},{"name":"b","value":"x\\"value\\":1"},{"name":"c","value":-1.5e-7},{"name":"value","value":true}]}');
    expect(r.columns?.map((c) => c.value)).toEqual(['12345678901234567890123', 'x"value":1', '-1.5e-7', true]);
  });
  it('rejects non-JSON and format-version 1 output with DECODE', () => {
    expect(() => parseWal2jsonPayload('{"change":[]}')).toThrow(/format-version 2/);
    expect(() => parseWal2jsonPayload('{"action":')).toThrow(expect.objectContaining({ code: 'DECODE' }));
  });
});

describe('commit timestamp', () => {
  it('reads ISO output with any offset into µs since the Unix epoch', () => {
    expect(parseCommitTimestamp('2000-01-01 00:00:00+00')).toBe(946_684_800_000_000n);
    expect(parseCommitTimestamp('2026-11-21 18:56:38.18677+05:30')).toBe(parseCommitTimestamp('2026-11-21 13:26:38.186770+00'));
    expect(parseCommitTimestamp('1970-01-01 00:00:00.000001-00:00:30')).toBe(30_000_001n);
    expect(() => parseCommitTimestamp('Sat Nov 21 2026')).toThrow(/timestamp/);
  });
});

describe('typmod from type text', () => {
  it.each([
    ['numeric(12,3)', ((12 << 16) | 3) + 4], ['numeric(5)', (5 << 16) + 4], ['character varying(20)', 24],
    ['character(1)[]', 5], ['timestamp(3) with time zone', 3], ['time(0) without time zone', 0], ['bit(8)', 8],
    ['numeric', -1], ['interval(3)', -1], ['"My(Type)"', -1],
  ])('%s -> %i', (t, m) => expect(typeModFromTypeName(t)).toBe(m));
});

describe('decoder edge cases', () => {
  const d = () => createWal2jsonDecoder({ tables: null, messages: true });
  const row = (o: object) => Buffer.from(JSON.stringify({ xid: 1, schema: 's', table: 't', pk: [{ name: 'id', type: 'integer', typeoid: 23 }], ...o }));
  const col = (name: string, typeoid: number, value: unknown, type = 'x') => ({ name, type, typeoid, value });

  it('a missing fixed-width column means it was dropped, not unchanged TOAST', () => {
    const dec = d();
    dec.decode(row({ action: 'I', columns: [col('id', 23, 1), col('n', 23, 2), col('doc', 25, 'd')] }), lsn(1));
    const [rel, upd] = dec.decode(row({ action: 'U', columns: [col('id', 23, 1), col('doc', 25, 'e')], identity: [col('id', 23, 1)] }), lsn(2));
    expect(rel.kind).toBe('relation');
    expect(upd).toMatchObject({ kind: 'update', after: ['1', 'e'] });
    const [upd2] = dec.decode(row({ action: 'U', columns: [col('id', 23, 1)], identity: [col('id', 23, 1)] }), lsn(3));
    expect(upd2).toMatchObject({ after: ['1', UNCHANGED_TOAST] });
  });

  it('identity of a unique index other than the primary key -> replicaIdentity index, key-only before', () => {
    const dec = d();
    dec.decode(row({ action: 'I', pk: [], columns: [col('id', 23, 1), col('code', 25, 'a'), col('v', 25, 'x')] }), lsn(1));
    const ev = dec.decode(row({ action: 'D', pk: [], identity: [col('code', 25, 'a')] }), lsn(2));
    expect(ev.map((e) => e.kind)).toEqual(['relation', 'delete']);
    expect(ev[1]).toMatchObject({ before: [null, 'a', null], beforeIsKeyOnly: true, relation: { replicaIdentity: 'index' } });
  });

  it('synthetic relation OIDs are stable per schema.table', () => {
    expect(synthesizeRelationOid('public', 'a.b')).toBe(synthesizeRelationOid('public', 'a.b'));
    expect(synthesizeRelationOid('public.a', 'b')).not.toBe(synthesizeRelationOid('public', 'a.b'));
  });

  it('an empty table list drops every row; unknown actions are DECODE errors with the LSN', () => {
    const dec = createWal2jsonDecoder({ tables: [], messages: false });
    expect(dec.decode(row({ action: 'I', columns: [col('id', 23, 1)] }), lsn(1))).toHaveLength(0);
    try {
      dec.decode(Buffer.from('{"action":"X"}'), lsn(0x100000010));
      throw new Error('no throw');
    } catch (e) {
      expect(isConnectorError(e, 'DECODE')).toBe(true);
      expect((e as { context: Record<string, unknown> }).context.lsn).toBe('1/10');
    }
  });
});

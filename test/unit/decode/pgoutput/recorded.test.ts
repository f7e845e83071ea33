/**
 * Decodes pgoutput bytes recorded from PostgreSQL 15 (scripts/record-pgoutput-fixtures.js) and
 * checks them against what that script's SQL wrote. Expected values are written by hand from
 * the SQL (PostgreSQL's text output, TimeZone UTC), never produced by the decoder.
 */
import { createHash } from 'crypto';
import {
  UNCHANGED_TOAST, type ChangeEvent, type DataEvent, type Relation,
} from '../../../../connector/model/change';
import { decodeFixture, loadFixture } from './fixtures';

/** Compact view of a data event: kind, schema.table, then before/after tuples. */
function rows(events: ChangeEvent[]): unknown[] {
  return events.filter((e): e is DataEvent => e.kind !== 'begin' && e.kind !== 'commit' && e.kind !== 'relation').map((e) => {
    switch (e.kind) {
      case 'insert': return ['I', name(e.relation), e.after];
      case 'update': return ['U', name(e.relation), e.before, e.beforeIsKeyOnly ? 'K' : e.before ? 'O' : '-', e.after];
      case 'delete': return ['D', name(e.relation), e.before, e.beforeIsKeyOnly ? 'K' : 'O'];
      case 'truncate': return ['T', e.relations.map(name).sort(), e.cascade, e.restartIdentity];
      case 'message': return ['M', e.transactional, e.prefix, e.content.toString('hex')];
    }
  });
}

const name = (r: Relation): string => `${r.schema}.${r.table}`;
const kinds = (events: ChangeEvent[]): string => events.map((e) => e.kind[0]).join('');
const columns = (r: Relation): [string, number, number, boolean][] => r.columns.map((c) => [c.name, c.typeOid, c.typeMod, c.isKey]);
const relationsOf = (events: ChangeEvent[]): Relation[] => events.flatMap((e) => (e.kind === 'relation' ? [e.relation] : []));

describe('recorded pgoutput: transactions', () => {
  it.each(['types', 'composite-key', 'order-items', 'replica-identity', 'toast', 'alter-columns', 'truncate', 'multi-statement'])(
    '%s: every Begin.finalLsn equals its Commit.commitLsn; data events carry the walStart given',
    (fixture) => {
      const recorded = loadFixture(fixture);
      const events = decodeFixture(fixture);
      let open: { finalLsn: bigint; commitTimeUs: bigint } | null = null;
      let txns = 0;
      for (const e of events) {
        if (e.kind === 'begin') {
          expect(open).toBeNull();
          open = e;
          // Commit time as Unix µs: after 2020-01-01, before 2100 (catches an epoch mix-up).
          expect(e.commitTimeUs > 1_577_836_800_000_000n && e.commitTimeUs < 4_102_444_800_000_000n).toBe(true);
        } else if (e.kind === 'commit') {
          expect(open).not.toBeNull();
          expect(e.commitLsn).toBe(open?.finalLsn);
          expect(e.commitTimeUs).toBe(open?.commitTimeUs);
          expect(e.endLsn > e.commitLsn).toBe(true);
          open = null;
          txns++;
        } else {
          expect(open).not.toBeNull();
          if ('lsn' in e) expect(recorded.some((r) => r.lsn === e.lsn)).toBe(true);
        }
      }
      expect(open).toBeNull();
      expect(txns).toBeGreaterThan(0);
    },
  );
});

describe('recorded pgoutput: values', () => {
  it('types: relation columns, OIDs, typmods; text output of every type', () => {
    const events = decodeFixture('types');
    expect(kinds(events)).toBe('bricbicbic');
    const [rel] = relationsOf(events);
    expect(name(rel)).toBe('pgofix.types');
    expect(rel.replicaIdentity).toBe('default');
    expect(columns(rel)).toEqual([
      ['id', 23, -1, true], ['i2', 21, -1, false], ['i8', 20, -1, false],
      ['num', 1700, ((25 << 16) | 5) + 4, false], ['num_any', 1700, -1, false], ['t', 25, -1, false],
      ['b', 16, -1, false], ['f8', 701, -1, false], ['f4', 700, -1, false], ['by', 17, -1, false],
      ['u', 2950, -1, false], ['j', 3802, -1, false], ['d', 1082, -1, false], ['ts', 1184, -1, false],
      ['ia', 1007, -1, false], ['ta', 1009, -1, false],
    ]);
    expect(rows(events)).toEqual([
      ['I', 'pgofix.types', [
        '1', '-32768', '9223372036854775807', '12345678901234567890.12345', '123.450',
        'he said "hi" \\ ünïcødé ✓ 😀\nline2', 't', 'NaN', 'Infinity', '\\xdeadbeef00',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": null, "k": [1, 2.50, "x"]}', '2024-02-29',
        '2024-02-29 23:59:59.123456+00', '{1,NULL,3}', '{"a b","c,d",NULL,"q\\"x"}',
      ]],
      ['I', 'pgofix.types', [
        '2', '0', '-9223372036854775808', '-0.50000', 'NaN', '', 'f', '-Infinity', '-Infinity', '\\x',
        '00000000-0000-0000-0000-000000000000', 'null', '-infinity', 'infinity', '{}', '{}',
      ]],
      ['I', 'pgofix.types', ['3', ...new Array<null>(15).fill(null)]],
    ]);
  });

  it('composite-key: K old tuple only when the key changes; non-key positions null', () => {
    const events = decodeFixture('composite-key');
    expect(columns(relationsOf(events)[0])).toEqual([['a', 23, -1, true], ['b', 25, -1, true], ['v', 25, -1, false]]);
    expect(rows(events)).toEqual([
      ['I', 'pgofix.composite', ['1', 'x', 'one']],
      ['I', 'pgofix.composite', ['2', 'y', 'two']],
      ['U', 'pgofix.composite', null, '-', ['1', 'x', 'uno']],
      ['U', 'pgofix.composite', ['2', 'y', null], 'K', ['2', 'z', 'two']],
      ['D', 'pgofix.composite', ['1', 'x', null], 'K'],
    ]);
  });

  it('order-items: a table name with a space and capitals', () => {
    expect(rows(decodeFixture('order-items'))).toEqual([
      ['I', 'pgofix.Order Items', ['10', '5']],
      ['U', 'pgofix.Order Items', null, '-', ['10', '6']],
      ['D', 'pgofix.Order Items', ['10', null], 'K'],
    ]);
  });

  it('replica-identity: FULL sends O old rows, every column flagged; USING INDEX flags the index column', () => {
    const events = decodeFixture('replica-identity');
    const [full, byIndex] = relationsOf(events);
    expect(full.replicaIdentity).toBe('full');
    expect(columns(full)).toEqual([['id', 23, -1, true], ['v', 25, -1, true]]);
    expect(byIndex.replicaIdentity).toBe('index');
    expect(columns(byIndex)).toEqual([['id', 23, -1, false], ['code', 25, -1, true], ['v', 25, -1, false]]);
    expect(rows(events)).toEqual([
      ['I', 'pgofix.full_ident', ['1', 'a']],
      ['I', 'pgofix.full_ident', ['2', null]],
      ['U', 'pgofix.full_ident', ['1', 'a'], 'O', ['1', 'aa']],
      ['D', 'pgofix.full_ident', ['2', null], 'O'],
      ['I', 'pgofix.by_index', ['1', 'c1', 'v1']],
      ['U', 'pgofix.by_index', [null, 'c1', null], 'K', ['1', 'c2', 'v1']],
      ['D', 'pgofix.by_index', [null, 'c2', null], 'K'],
    ]);
  });

  it('toast: the untouched TOASTed column arrives as UNCHANGED_TOAST', () => {
    let big = '';
    for (let i = 1; i <= 400; i++) big += createHash('md5').update(String(i)).digest('hex');
    expect(big.length).toBe(12800);
    expect(rows(decodeFixture('toast'))).toEqual([
      ['I', 'pgofix.docs', ['1', big, '1']],
      ['U', 'pgofix.docs', null, '-', ['1', UNCHANGED_TOAST, '2']],
      ['D', 'pgofix.docs', ['1', null, null], 'K'],
    ]);
  });

  it('alter-columns: each Relation replaces the cached one; earlier events keep their own relation', () => {
    const events = decodeFixture('alter-columns');
    expect(kinds(events)).toBe('bricbricbric');
    expect(relationsOf(events).map(columns)).toEqual([
      [['id', 23, -1, true], ['a', 25, -1, false]],
      [['id', 23, -1, true], ['a', 25, -1, false], ['b', 20, -1, false]],
      [['id', 23, -1, true], ['b', 20, -1, false]],
    ]);
    const inserts = events.filter((e) => e.kind === 'insert');
    expect(inserts.map((e) => [e.relation.columns.length, e.after])).toEqual([
      [2, ['1', 'first']],
      [3, ['2', 'second', '22']],
      [2, ['3', '33']],
    ]);
  });

  it('truncate: options bits and every relation resolved', () => {
    expect(rows(decodeFixture('truncate'))).toEqual([
      ['I', 'pgofix.parent', ['1']],
      ['T', ['pgofix.child', 'pgofix.parent'], true, true],
      ['T', ['pgofix.Order Items'], false, false],
    ]);
  });

  it('messages: transactional inside Begin/Commit, non-transactional alone; content copied', () => {
    const events = decodeFixture('messages');
    expect(kinds(events)).toBe('bmricm');
    expect(rows(events)).toEqual([
      ['M', true, 'walcast', Buffer.from('in txn "quoted" ü', 'utf8').toString('hex')],
      ['I', 'pgofix.Order Items', ['20', '1']],
      ['M', false, 'walcast.nt', '00ff0a'],
    ]);
  });

  it('multi-statement: one transaction over two tables, in statement order', () => {
    const events = decodeFixture('multi-statement');
    expect(kinds(events)).toBe('bririudc');
    expect(rows(events)).toEqual([
      ['I', 'pgofix.composite', ['7', 'm', 'seven']],
      ['I', 'pgofix.Order Items', ['30', '3']],
      ['U', 'pgofix.composite', null, '-', ['7', 'm', 'SEVEN']],
      ['D', 'pgofix.Order Items', ['30', null], 'K'],
    ]);
  });
});

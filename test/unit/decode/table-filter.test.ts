import { withTableFilter, type TableSelection } from '../../../connector/decode/table-filter';
import type { ChangeEvent, Decoder, Relation } from '../../../connector/model/change';
import { lsn } from '../../../connector/protocol/lsn';
import { parseTablePattern, type TableName } from '../../../connector/source/tables';

let oid = 0;
const rel = (schema: string, table: string): Relation => ({
  oid: ++oid, schema, table, replicaIdentity: 'default', columns: [{ name: 'id', typeOid: 23, typeMod: -1, isKey: true }],
});
const insert = (r: Relation, id: number): ChangeEvent => ({ kind: 'insert', lsn: lsn(id), relation: r, after: [String(id)] });
const fixed = (events: ChangeEvent[]): Decoder => ({ plugin: 'pgoutput', startOptions: () => "proto_version '1'", decode: () => events });
const names = (events: readonly ChangeEvent[]): string[] => events.map((e) => {
  if (e.kind === 'truncate') return `truncate ${e.relations.map((r) => r.table).join(',')}`;
  return e.kind === 'insert' ? e.relation.table : e.kind;
});

/** source.tables ["public.t*", "public.parts"], excludeTables ["public.t2"], at start: t1, t2, parts (+ parts_a), other.o. */
function selection(partitioned: boolean): TableSelection {
  const existing: TableName[] = [
    { schema: 'public', table: 't1' }, { schema: 'public', table: 't2' }, { schema: 'other', table: 'o' },
    ...(partitioned ? [{ schema: 'public', table: 'parts' }, { schema: 'public', table: 'parts_a' }] : []),
  ];
  return {
    selected: [{ schema: 'public', table: 't1' }, ...(partitioned ? [{ schema: 'public', table: 'parts' }, { schema: 'public', table: 'parts_a' }] : [])],
    existing,
    include: ['public.t*', 'public.parts'].map(parseTablePattern),
    exclude: ['public.t2'].map(parseTablePattern),
    partitioned,
  };
}

describe('withTableFilter', () => {
  const t1 = rel('public', 't1');
  const t2 = rel('public', 't2');
  const o = rel('other', 'o');
  const t3 = rel('public', 't3'); // created since the start, matches public.t*
  const t22 = rel('public', 't2'); // t2's relation again (a new Relation message): same verdict
  const fresh = rel('other', 'fresh'); // created since the start, not selected

  it('keeps the selected tables and new tables source.tables matches; drops the rest', () => {
    const unsure: TableName[] = [];
    const d = withTableFilter(fixed([
      { kind: 'begin', xid: 7, finalLsn: lsn(9), commitTimeUs: 0n },
      insert(t1, 1), insert(t2, 2), insert(o, 3), insert(t3, 4), insert(t22, 5), insert(fresh, 6),
      { kind: 'commit', commitLsn: lsn(9), endLsn: lsn(10), commitTimeUs: 0n },
    ]), selection(false), (t) => unsure.push(t));
    expect(names(d.decode(Buffer.alloc(0), lsn(0)))).toEqual(['begin', 't1', 't3', 'commit']);
    expect(unsure).toEqual([]);
  });

  it('with a partitioned table selected, keeps a new unselected table once told (it may be a new partition), but never an excluded one', () => {
    const unsure: TableName[] = [];
    const parts = rel('public', 'parts_a');
    const newPart = rel('public', 'parts_2030');
    const d = withTableFilter(fixed([insert(parts, 1), insert(newPart, 2), insert(newPart, 3), insert(o, 4), insert(t2, 5), insert(fresh, 6)]),
      selection(true), (t) => unsure.push(t));
    expect(names(d.decode(Buffer.alloc(0), lsn(0)))).toEqual(['parts_a', 'parts_2030', 'parts_2030', 'fresh']);
    expect(names(d.decode(Buffer.alloc(0), lsn(0)))).toEqual(['parts_a', 'parts_2030', 'parts_2030', 'fresh']);
    expect(unsure).toEqual([{ schema: 'public', table: 'parts_2030' }, { schema: 'other', table: 'fresh' }]);
  });

  it('a truncate keeps its selected tables and is dropped when none is left', () => {
    const d = withTableFilter(fixed([
      { kind: 'truncate', lsn: lsn(1), relations: [t1, t2], cascade: false, restartIdentity: false },
      { kind: 'truncate', lsn: lsn(2), relations: [t2, o], cascade: false, restartIdentity: false },
      { kind: 'truncate', lsn: lsn(3), relations: [t1, t3], cascade: true, restartIdentity: false },
    ]), selection(false), () => undefined);
    const out = d.decode(Buffer.alloc(0), lsn(0));
    expect(names(out)).toEqual(['truncate t1', 'truncate t1,t3']);
    expect(out[0]!.kind === 'truncate' && out[0]!.lsn).toBe(lsn(1));
  });

  it('hands back the decoder\'s own array when nothing is dropped, and passes other events and start options through', () => {
    const events = [insert(t1, 1), { kind: 'relation', relation: t2 } as ChangeEvent, insert(t3, 2)];
    const d = withTableFilter(fixed(events), selection(false), () => undefined);
    expect(d.decode(Buffer.alloc(0), lsn(0))).toBe(events);
    expect(d.startOptions()).toBe("proto_version '1'");
    expect(d.plugin).toBe('pgoutput');
  });
});

import { compact, parseReplaySpec, replaySpec } from '../../../connector/snapshot/replay-spec';
import { rangeQuery } from '../../../connector/snapshot/key-range-check';
import type { DoneRange } from '../../../connector/snapshot/resume';
import type { SnapshotTable } from '../../../connector/snapshot/types';

const keys = (lower: string[] | null, upper: string[] | null, read: number): DoneRange => ({ kind: 'keys', lower, upper, read });
const KEY = [{ name: 'id', typeSql: '"pg_catalog"."int4"', collationSql: null }];

describe('replay spec of a completed snapshot', () => {
  it('one run read the whole table: one `all` range of that run', () => {
    expect(compact([keys(null, ['5'], 1), keys(['5'], null, 1)])).toEqual([{ kind: 'all', read: 1 }]);
    expect(compact([{ kind: 'pages', fromPage: 0, toPage: 8, read: 0 }])).toEqual([{ kind: 'all', read: 0 }]);
  });

  it('merges a run\'s chunks where one ends at the next one\'s start, keeping runs in order', () => {
    const ranges = [
      keys(null, ['10'], 0), keys(['10'], ['20'], 0), keys(['30'], ['40'], 0),
      keys(['20'], ['25'], 1), keys(['25'], ['30'], 1), keys(['35'], null, 1), keys(['40'], ['50'], 1),
    ];
    expect(compact(ranges)).toEqual([
      keys(null, ['20'], 0), keys(['30'], ['40'], 0),
      keys(['20'], ['30'], 1), keys(['35'], null, 1), keys(['40'], ['50'], 1),
    ]);
    // A chunk committed before its neighbour below (parallel readers) merges too.
    expect(compact([keys(['10'], ['20'], 0), keys(null, ['10'], 0), keys(['20'], null, 1)])).toEqual([keys(null, ['20'], 0), keys(['20'], null, 1)]);
  });

  it('keeps the tables read, with their keys, and reads back only a well-formed spec', () => {
    const table = { relation: { schema: 'public', table: 't' }, primaryKey: KEY } as unknown as SnapshotTable;
    const other = { relation: { schema: 'public', table: 'u' }, primaryKey: [] } as unknown as SnapshotTable;
    const spec = replaySpec({ startedAt: 'T', reads: [null, { snapshot: '1:2:', walAfter: '0/10' }], tables: { 'public.t': [keys(null, ['1'], 0), keys(['1'], null, 1)] } }, [table, other]);
    expect(spec).toEqual({ reads: [null, { snapshot: '1:2:', walAfter: '0/10' }], tables: { 'public.t': { key: KEY, ranges: [keys(null, ['1'], 0), keys(['1'], null, 1)] } } });
    expect(parseReplaySpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    expect(parseReplaySpec(null)).toBeNull();
    expect(parseReplaySpec({ ...spec, reads: [] })).toBeNull();
    expect(parseReplaySpec({ ...spec, tables: { 'public.t': { key: KEY, ranges: [keys(null, null, 2)] } } })).toBeNull();
    expect(parseReplaySpec({ ...spec, tables: { 'public.t': { key: [{ name: 'id' }], ranges: [keys(null, null, 0)] } } })).toBeNull();
    // Snapshot text and LSNs are checked here, not where the stream would fail on them.
    expect(parseReplaySpec({ ...spec, reads: [null, { snapshot: '1:x:', walAfter: '0/10' }] })).toBeNull();
    expect(parseReplaySpec({ ...spec, reads: [null, { snapshot: '1:2:', walAfter: 'nope' }] })).toBeNull();
    expect(parseReplaySpec({ ...spec, reads: [null, { snapshot: '', walAfter: '0/10' }] })).not.toBeNull();
    expect(parseReplaySpec({ ...spec, truncated: { 'public.t': '0/20' } })?.truncated).toEqual({ 'public.t': '0/20' });
    expect(parseReplaySpec({ ...spec, truncated: { 'public.t': 20 } })).toBeNull();
  });
});

describe('rangeQuery', () => {
  it('is a CASE of row comparisons over bind parameters, the first range holding the key winning', () => {
    const key = [KEY[0]!, { name: 'name', typeSql: '"pg_catalog"."text"', collationSql: '"public"."de"' }];
    const q = rangeQuery(key, [keys(null, ['5', 'x'], 0), { kind: 'all', read: 0 }, keys(['5', 'x'], null, 1)]);
    const k = '($1::"pg_catalog"."int4", $2::"pg_catalog"."text" COLLATE "public"."de")';
    expect(q.text).toBe(`SELECT CASE WHEN ${k} <= ($3::"pg_catalog"."int4", $4::"pg_catalog"."text") THEN 0 `
      + `WHEN ${k} > ($5::"pg_catalog"."int4", $6::"pg_catalog"."text") THEN 2 ELSE -1 END AS range`);
    expect(q.bounds).toEqual(['5', 'x', '5', 'x']);
  });
});

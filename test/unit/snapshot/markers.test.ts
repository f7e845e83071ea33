import type { SnapshotMarker } from '../../../connector/envelope/builder';
import { SnapshotMarkers } from '../../../connector/snapshot/markers';

function collect(): { out: Array<[string, SnapshotMarker]>; m: SnapshotMarkers<string> } {
  const out: Array<[string, SnapshotMarker]> = [];
  return { out, m: new SnapshotMarkers<string>((item, marker) => out.push([item, marker])) };
}

describe('SnapshotMarkers', () => {
  it('marks first, first/last per table and last like Debezium', () => {
    const { out, m } = collect();
    for (const r of ['a1', 'a2', 'a3']) m.row(0, r);
    m.tableDone(0);
    for (const r of ['b1', 'b2', 'b3']) m.row(1, r);
    m.tableDone(1);
    m.finish();
    expect(out).toEqual([
      ['a1', 'first'], ['a2', 'true'], ['b1', 'first_in_data_collection'], ['b2', 'true'],
      ['a3', 'last_in_data_collection'], ['b3', 'last'],
    ]);
    expect(m.count).toBe(6);
  });

  it('holds one record per table while tables are read interleaved', () => {
    const { out, m } = collect();
    m.row(0, 'a1');
    m.row(1, 'b1');
    m.row(0, 'a2'); // releases a1
    m.row(1, 'b2'); // releases b1
    expect(out).toEqual([['a1', 'first'], ['b1', 'first_in_data_collection']]);
    m.tableDone(1);
    m.row(0, 'a3');
    m.tableDone(0);
    m.finish();
    expect(out.slice(2)).toEqual([['a2', 'true'], ['b2', 'last_in_data_collection'], ['a3', 'last']]);
  });

  it('gives the last record to the last non-empty table even when an empty table finishes after it', () => {
    const { out, m } = collect();
    m.row(0, 'a1');
    m.row(0, 'a2');
    m.tableDone(0);
    m.tableDone(1); // empty table
    m.finish();
    expect(out).toEqual([['a1', 'first'], ['a2', 'last']]);
  });

  it('marks a single record last, and one-row tables by precedence', () => {
    const one = collect();
    one.m.row(0, 'x');
    one.m.finish();
    expect(one.out).toEqual([['x', 'last']]);

    const { out, m } = collect();
    m.row(0, 'a1');
    m.tableDone(0);
    m.row(1, 'b1');
    m.tableDone(1);
    m.row(2, 'c1');
    m.finish(); // finish also completes tables not reported done
    expect(out).toEqual([['a1', 'first'], ['b1', 'last_in_data_collection'], ['c1', 'last']]);
  });

  it('releases nothing for an empty snapshot', () => {
    const { out, m } = collect();
    m.tableDone(0);
    m.finish();
    expect(out).toEqual([]);
  });
});

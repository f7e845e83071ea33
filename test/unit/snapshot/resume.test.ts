import { doneRangeOf, progressFor, SnapshotProgressLedger } from '../../../connector/snapshot/resume';

describe('snapshot progress (exactly-once resume)', () => {
  it('accumulates committed chunks on top of what an interrupted run committed', () => {
    const ledger = new SnapshotProgressLedger('T1', { startedAt: 'T1', tables: { 'public.a': [{ kind: 'keys', lower: null, upper: ['10'] }] } });
    const first = ledger.add('public.a', doneRangeOf({ kind: 'keys', table: 0, lower: ['10'], upper: ['20'] }));
    const second = ledger.add('public.b', doneRangeOf({ kind: 'pages', table: 1, fromPage: 0, toPage: 8 }));
    expect(first).toEqual({ startedAt: 'T1', tables: { 'public.a': [{ kind: 'keys', lower: null, upper: ['10'] }, { kind: 'keys', lower: ['10'], upper: ['20'] }] } });
    expect(second.tables['public.b']).toEqual([{ kind: 'pages', fromPage: 0, toPage: 8 }]);
    // Earlier records are not changed by later additions (they are committed as they were).
    expect(first.tables['public.b']).toBeUndefined();
  });

  it('uses an offset record\'s progress only for the same snapshot, and only when well-formed', () => {
    const stored = { startedAt: 'T1', tables: { 'public.a': [{ kind: 'keys', lower: ['1'], upper: null }, { kind: 'all' }] } };
    expect(progressFor(stored, 'T1')).toEqual(stored);
    expect(progressFor(stored, 'T2')).toBeNull();
    expect(progressFor(null, 'T1')).toBeNull();
    expect(progressFor({ startedAt: 'T1', tables: { 'public.a': [{ kind: 'keys', lower: [1], upper: null }] } }, 'T1')).toBeNull();
  });
});

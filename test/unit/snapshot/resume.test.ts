import { progressFor, SnapshotProgressLedger } from '../../../connector/snapshot/resume';

describe('snapshot progress (exactly-once resume)', () => {
  const fresh = { snapshot: '750:760:752,755', walAfter: '0/3000000' };

  it('accumulates committed chunks on top of what an interrupted run committed, each with the run that read it', () => {
    const ledger = new SnapshotProgressLedger('T1', { startedAt: 'T1', reads: [null], tables: { 'public.a': [{ kind: 'keys', lower: null, upper: ['10'], read: 0 }] } }, fresh);
    const first = ledger.add('public.a', { kind: 'keys', table: 0, lower: ['10'], upper: ['20'] });
    const second = ledger.add('public.b', { kind: 'pages', table: 1, fromPage: 0, toPage: 8 });
    expect(first).toEqual({
      startedAt: 'T1', reads: [null, fresh],
      tables: { 'public.a': [{ kind: 'keys', lower: null, upper: ['10'], read: 0 }, { kind: 'keys', lower: ['10'], upper: ['20'], read: 1 }] },
    });
    expect(second.tables['public.b']).toEqual([{ kind: 'pages', fromPage: 0, toPage: 8, read: 1 }]);
    // Earlier records are not changed by later additions (they are committed as they were).
    expect(first.tables['public.b']).toBeUndefined();
  });

  it('a first run records its own read point', () => {
    const ledger = new SnapshotProgressLedger('T1', null, null);
    expect(ledger.add('public.a', { kind: 'all', table: 0 })).toEqual({ startedAt: 'T1', reads: [null], tables: { 'public.a': [{ kind: 'all', read: 0 }] } });
  });

  it('uses an offset record\'s progress only for the same snapshot, and only when well-formed', () => {
    const stored = { startedAt: 'T1', reads: [null, fresh], tables: { 'public.a': [{ kind: 'keys', lower: ['1'], upper: null, read: 0 }, { kind: 'all', read: 1 }] } };
    expect(progressFor(stored, 'T1')).toEqual(stored);
    expect(progressFor(stored, 'T2')).toBeNull();
    expect(progressFor(null, 'T1')).toBeNull();
    expect(progressFor({ startedAt: 'T1', tables: { 'public.a': [{ kind: 'keys', lower: [1], upper: null }] } }, 'T1')).toBeNull();
    // A run index outside `reads`, or a malformed read point.
    expect(progressFor({ ...stored, tables: { 'public.a': [{ kind: 'all', read: 2 }] } }, 'T1')).toBeNull();
    expect(progressFor({ ...stored, reads: [{ snapshot: 1 }] }, 'T1')).toBeNull();
  });

  it('reads a record written before runs were recorded as one run at the slot\'s exported snapshot', () => {
    const old = { startedAt: 'T1', tables: { 'public.a': [{ kind: 'keys', lower: ['1'], upper: null }] } };
    expect(progressFor(old, 'T1')).toEqual({ startedAt: 'T1', reads: [null], tables: { 'public.a': [{ kind: 'keys', lower: ['1'], upper: null, read: 0 }] } });
  });
});

/**
 * StreamingState: the state's one writer while streaming. The confirmation recorder and the
 * fresh-read filter's truncate marks both write through it; each change lands on the newest
 * state, so neither overwrites the other with an older copy, and writes keep their call order.
 */
import { EMPTY_STATE, type ConnectorState, type StateStore } from '../../../connector/offsets/state-store';
import { StreamingState } from '../../../connector/pipeline/slot-setup';
import { lsn } from '../../../connector/protocol/lsn';

/** A store whose writes finish in a random order of time (each takes 0-3 ms). */
function memoryStore(initial: ConnectorState): StateStore & { writes: ConnectorState[]; current: ConnectorState } {
  const store = {
    location: 'memory',
    current: initial,
    writes: [] as ConnectorState[],
    read: () => Promise.resolve(store.current),
    write: (s: ConnectorState) => new Promise<void>((resolve) => setTimeout(() => { store.current = s; store.writes.push(s); resolve(); }, Math.floor(Math.random() * 4))),
    clear: () => Promise.resolve(),
  };
  return store;
}

const START: ConnectorState = {
  ...EMPTY_STATE,
  slot: { name: 's', plugin: 'pgoutput', status: 'created', requestedAt: 't', consistentPoint: '0/10' },
  snapshot: { status: 'complete', slot: 's', consistentPoint: '0/10', startedAt: 't', replay: { reads: [null], tables: {} } },
};

describe('StreamingState', () => {
  it('a truncate mark written between confirmations survives them, and the last confirmation wins', async () => {
    const store = memoryStore(START);
    const state = new StreamingState(store, 's');
    const mark = (s: ConnectorState): ConnectorState => ({ ...s, snapshot: { ...s.snapshot!, replay: { ...s.snapshot!.replay, truncated: { 'public.t': '0/300' } } } });
    await Promise.all([state.confirm(lsn(0x100n)), state.update(mark), state.confirm(lsn(0x200n)), state.confirm(lsn(0x400n))]);
    expect(store.current.slot?.confirmedLsn).toBe('0/400');
    expect((store.current.snapshot?.replay as { truncated?: unknown }).truncated).toEqual({ 'public.t': '0/300' });
    // In call order, each on top of the one before.
    expect(store.writes.map((w) => w.slot?.confirmedLsn)).toEqual(['0/100', '0/100', '0/200', '0/400']);
  });

  it('refuses to confirm for a slot the state does not record, and goes on after a failed change', async () => {
    const store = memoryStore({ ...START, slot: null });
    const state = new StreamingState(store, 's');
    await expect(state.confirm(lsn(0x100n))).rejects.toThrow(/no longer records slot "s"/);
    await state.update((s) => ({ ...s, slot: START.slot }));
    await state.confirm(lsn(0x200n));
    expect(store.current.slot?.confirmedLsn).toBe('0/200');
  });
});

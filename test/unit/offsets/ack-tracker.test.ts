import { AckTracker } from '../../../connector/offsets/ack-tracker';
import { lsn, Lsn } from '../../../connector/protocol/lsn';

const L = (n: number): Lsn => lsn(n);

describe('AckTracker', () => {
  it('confirms a commit only after all its records are acked', () => {
    const t = new AckTracker(L(100));
    t.begin();
    const s = t.reserve(3);
    t.commit(L(200));
    expect(t.confirmed).toBe(L(100));
    t.ack(s, s + 2);
    expect(t.confirmed).toBe(L(100));
    t.ack(s + 2, s + 3);
    expect(t.confirmed).toBe(L(200));
    expect(t.inFlight).toBe(0);
  });

  it('never confirms past an unacked earlier commit when a later one is acked first', () => {
    const t = new AckTracker(L(0));
    t.begin(); const a = t.reserve(2); t.commit(L(10));
    t.begin(); const b = t.reserve(2); t.commit(L(20));
    t.begin(); const c = t.reserve(1); t.commit(L(30));
    t.ack(c, c + 1);
    t.ack(b, b + 2);
    expect(t.confirmed).toBe(L(0));
    t.ack(a, a + 1);
    expect(t.confirmed).toBe(L(0));
    t.ack(a + 1, a + 2);
    expect(t.confirmed).toBe(L(30));
  });

  it('stops at the first commit with an unacked record', () => {
    const t = new AckTracker(L(0));
    t.begin(); const a = t.reserve(1); t.commit(L(10));
    t.begin(); const b = t.reserve(2); t.commit(L(20));
    t.begin(); const c = t.reserve(1); t.commit(L(30));
    t.ack(a, a + 1);
    t.ack(b, b + 1);
    t.ack(c, c + 1);
    expect(t.confirmed).toBe(L(10));
  });

  it('confirms empty transactions once everything before them is acked', () => {
    const t = new AckTracker(L(0));
    t.begin(); const a = t.reserve(1); t.commit(L(10));
    t.begin(); t.commit(L(20));
    expect(t.confirmed).toBe(L(0));
    t.ack(a, a + 1);
    expect(t.confirmed).toBe(L(20));
  });

  it('does not confirm a commit whose records span a batch that is still in flight', () => {
    const t = new AckTracker(L(0));
    t.begin();
    const first = t.reserve(1);
    const second = t.reserve(1); // same transaction, next batch
    t.commit(L(50));
    t.ack(second, second + 1);
    expect(t.confirmed).toBe(L(0));
    t.ack(first, first + 1);
    expect(t.confirmed).toBe(L(50));
  });

  it('confirms the keepalive WAL end only when idle', () => {
    const t = new AckTracker(L(0));
    t.idle(L(5));
    expect(t.confirmed).toBe(L(5));
    t.begin();
    const a = t.reserve(1);
    t.idle(L(8)); // transaction open
    expect(t.confirmed).toBe(L(5));
    t.commit(L(10));
    t.idle(L(12)); // record in flight
    expect(t.confirmed).toBe(L(5));
    t.ack(a, a + 1);
    expect(t.confirmed).toBe(L(10));
    t.idle(L(12));
    expect(t.confirmed).toBe(L(12));
  });

  it('never moves backwards', () => {
    const t = new AckTracker(L(100));
    t.begin(); const a = t.reserve(1); t.commit(L(90)); // replayed commit before the start point
    t.ack(a, a + 1);
    expect(t.confirmed).toBe(L(100));
    t.idle(L(50));
    expect(t.confirmed).toBe(L(100));
  });

  it('rejects an ack that overlaps the acked prefix (a bookkeeping bug must not go unnoticed)', () => {
    const t = new AckTracker(L(0));
    const a = t.reserve(2);
    t.ack(a, a + 2);
    expect(() => t.ack(a, a + 1)).toThrow(RangeError);
  });

  it('keeps the contiguous-prefix invariant under random ack orders', () => {
    for (let round = 0; round < 50; round++) {
      const t = new AckTracker(L(0));
      const batches: Array<[number, number]> = [];
      const commitAfterBatch = new Map<number, number>();
      let lsnCounter = 0;
      for (let i = 0; i < 40; i++) {
        t.begin();
        const n = 1 + Math.floor(Math.random() * 3);
        const s = t.reserve(n);
        batches.push([s, s + n]);
        lsnCounter += 10;
        t.commit(L(lsnCounter));
        commitAfterBatch.set(batches.length - 1, lsnCounter);
      }
      const order = batches.map((_, i) => i).sort(() => Math.random() - 0.5);
      const acked = new Set<number>();
      for (const i of order) {
        t.ack(batches[i][0], batches[i][1]);
        acked.add(i);
        let prefix = 0;
        while (acked.has(prefix)) prefix++;
        const expected = prefix === 0 ? 0 : commitAfterBatch.get(prefix - 1)!;
        expect(t.confirmed).toBe(L(expected));
      }
    }
  });
});

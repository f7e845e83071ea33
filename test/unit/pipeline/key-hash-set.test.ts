/**
 * KeyHashSet against a plain Set under random adds and deletes (growth, probe runs that wrap
 * around the table, backward-shift deletion), and its memory per key.
 */
import { KeyHashSet } from '../../../connector/pipeline/key-hash-set';

/** Deterministic PRNG (mulberry32) so a failure replays. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const key = (n: number): Buffer => Buffer.from(`{"id":${n}}`);

describe('KeyHashSet', () => {
  test('agrees with a Set through 200k random adds and deletes', () => {
    const set = new KeyHashSet();
    const ref = new Set<number>();
    const random = rng(7);
    for (let step = 0; step < 200_000; step++) {
      const n = Math.floor(random() * 30_000);
      if (random() < 0.6) { set.add(key(n)); ref.add(n); } else { expect(set.delete(key(n))).toBe(ref.delete(n)); }
      if (step % 997 === 0) expect(set.size).toBe(ref.size);
    }
    expect(set.size).toBe(ref.size);
    for (let n = 0; n < 30_000; n++) expect(set.has(key(n))).toBe(ref.has(n));
  });

  test('deleting everything leaves an empty set that finds nothing', () => {
    const set = new KeyHashSet();
    for (let n = 0; n < 5_000; n++) set.add(key(n));
    set.add(key(1)); // a repeat is one member
    expect(set.size).toBe(5_000);
    for (let n = 0; n < 5_000; n++) expect(set.delete(key(n))).toBe(true);
    expect(set.size).toBe(0);
    for (let n = 0; n < 5_000; n++) expect(set.has(key(n))).toBe(false);
    expect(set.delete(key(3))).toBe(false);
  });

  test('300k keys take 8 bytes per slot, 11 to 23 bytes per key', () => {
    const set = new KeyHashSet();
    for (let n = 0; n < 300_000; n++) set.add(key(n));
    expect(set.size).toBe(300_000);
    const perKey = set.bytes / set.size;
    expect(perKey).toBeGreaterThanOrEqual(8 / 0.7);
    expect(perKey).toBeLessThanOrEqual(8 / 0.35);
  });
});

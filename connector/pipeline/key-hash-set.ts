/**
 * A set of record keys held as 64-bit hashes (the first 8 bytes of the key bytes' MD5), in one
 * open-addressing table of Uint32 pairs with linear probing and backward-shift deletion. It
 * exists so that the keys of a whole topic fit in memory: 8 bytes per slot, the table doubles at
 * 70% load, so a key costs 8 / 0.35..0.7 = 11..23 bytes (about 16 on average) and no JS object;
 * a `Set<string>` of the same keys costs 60-100 bytes each plus the strings.
 *
 * Two different keys share a hash with probability about n² / 2^65 for n keys (3e-6 for
 * 10 million keys). delete-missing.ts, the user, then treats them as one key; what that costs is
 * said there.
 */
import { createHash } from 'node:crypto';

const INITIAL_SLOTS = 1024;
const MAX_LOAD = 0.7;

/** The 64-bit hash of `key` as two uint32 halves; never (0, 0), which marks an empty slot. */
export function keyHash(key: Uint8Array): [number, number] {
  const d = createHash('md5').update(key).digest();
  const hi = d.readUInt32LE(0);
  const lo = d.readUInt32LE(4);
  return hi === 0 && lo === 0 ? [0, 1] : [hi, lo];
}

export class KeyHashSet {
  private slots = new Uint32Array(INITIAL_SLOTS * 2);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  has(key: Uint8Array): boolean {
    const [hi, lo] = keyHash(key);
    return this.find(hi, lo) >= 0;
  }

  add(key: Uint8Array): void {
    const [hi, lo] = keyHash(key);
    this.addHash(hi, lo);
  }

  delete(key: Uint8Array): boolean {
    const [hi, lo] = keyHash(key);
    return this.deleteHash(hi, lo);
  }

  private addHash(hi: number, lo: number): void {
    const s = this.slots;
    for (let i = lo & this.mask; ; i = (i + 1) & this.mask) {
      const h = s[2 * i]!;
      const l = s[2 * i + 1]!;
      if (h === hi && l === lo) return;
      if (h === 0 && l === 0) {
        s[2 * i] = hi;
        s[2 * i + 1] = lo;
        if (++this.count > (this.mask + 1) * MAX_LOAD) this.grow();
        return;
      }
    }
  }

  private find(hi: number, lo: number): number {
    const s = this.slots;
    for (let i = lo & this.mask; ; i = (i + 1) & this.mask) {
      const h = s[2 * i]!;
      const l = s[2 * i + 1]!;
      if (h === hi && l === lo) return i;
      if (h === 0 && l === 0) return -1;
    }
  }

  private deleteHash(hi: number, lo: number): boolean {
    let i = this.find(hi, lo);
    if (i < 0) return false;
    const s = this.slots;
    const mask = this.mask;
    // Backward shift: move later members of the probe run into the hole when their home slot
    // does not lie (cyclically) between the hole and themselves.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const h = s[2 * j]!;
      const l = s[2 * j + 1]!;
      if (h === 0 && l === 0) break;
      const home = l & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (between) continue;
      s[2 * i] = h;
      s[2 * i + 1] = l;
      i = j;
    }
    s[2 * i] = 0;
    s[2 * i + 1] = 0;
    this.count--;
    return true;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = old.length - 1; // old.length / 2 slots before, old.length now
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.addHash(old[i]!, old[i + 1]!);
    }
  }
}

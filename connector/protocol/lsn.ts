/**
 * One LSN type for the whole connector (a WAL byte position, uint64).
 * Text form is PostgreSQL's `XXXXXXXX/XXXXXXXX` (upper 32 bits / lower 32 bits, hex, no padding).
 */
export type Lsn = bigint & { readonly __lsn: unique symbol };

export const LSN_ZERO = 0n as Lsn;
const UINT64_MAX = (1n << 64n) - 1n;

export function lsn(value: bigint | number): Lsn {
  const v = BigInt(value);
  if (v < 0n || v > UINT64_MAX) throw new RangeError(`LSN out of range: ${v}`);
  return v as Lsn;
}

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Whether `text` is an LSN parseLsn takes. */
export function isLsnText(text: string): boolean {
  return LSN_TEXT.test(text.trim());
}

/** Parses `16/B374D848`. Throws RangeError on anything else. */
export function parseLsn(text: string): Lsn {
  const m = LSN_TEXT.exec(text.trim());
  if (!m) throw new RangeError(`not an LSN: ${JSON.stringify(text)}`);
  return ((BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2])) as Lsn;
}

const TWO_32 = 2 ** 32;
/** The largest LSN a JS number holds exactly (2^53 - 1: 8 PiB of WAL). */
export const MAX_SAFE_LSN = BigInt(Number.MAX_SAFE_INTEGER);

export function formatLsn(value: Lsn | bigint): string {
  const v = BigInt(value);
  // Below 2^53 (8 PiB of WAL: every real position) in doubles, exactly: no bigint per half. It
  // runs once per transaction (record ids), so the bigint shifts and masks showed in profiles.
  if (v >= 0n && v <= MAX_SAFE_LSN) {
    const n = Number(v);
    const hi = Math.floor(n / TWO_32);
    return `${hi.toString(16).toUpperCase()}/${(n - hi * TWO_32).toString(16).toUpperCase()}`;
  }
  return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
}

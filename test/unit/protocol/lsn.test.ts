import { formatLsn, isLsnText, lsn, parseLsn } from '../../../connector/protocol/lsn';

/** PostgreSQL's text form, computed here with bigint shifts (the reference the fast path must match). */
const pgText = (v: bigint): string => `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;

test('formatLsn writes PostgreSQL\'s text form on both sides of 2^53', () => {
  expect(formatLsn(lsn(0))).toBe('0/0');
  expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
  expect(formatLsn(lsn(0xffffffff))).toBe('0/FFFFFFFF');
  expect(formatLsn(lsn(0x100000000))).toBe('1/0');
  expect(formatLsn(lsn((1n << 53n) - 1n))).toBe('1FFFFF/FFFFFFFF');
  expect(formatLsn(lsn(1n << 53n))).toBe('200000/0');
  expect(formatLsn(lsn((1n << 53n) + 1n))).toBe('200000/1');
  expect(formatLsn(lsn((1n << 64n) - 1n))).toBe('FFFFFFFF/FFFFFFFF');
});

test('formatLsn and parseLsn round-trip, and agree with the bigint reference, over many positions', () => {
  let x = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < 2000; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    // Every width: small positions, around 2^32 and 2^53, up to the full 64 bits.
    const v = x >> BigInt(i % 64);
    const text = formatLsn(v);
    expect(text).toBe(pgText(v));
    expect(isLsnText(text)).toBe(true);
    expect(parseLsn(text)).toBe(v);
  }
});

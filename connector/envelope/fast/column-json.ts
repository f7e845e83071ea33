/**
 * Column writers of the fast encoder: a PostgreSQL text-form value -> its JSON text, in one
 * step, with no intermediate JSON value. Each writer covers the canonical text PostgreSQL prints
 * for the common types and hands anything else to the generic converter (envelope/values) and
 * serializer (envelope/json), so its output is the generic path's output byte for byte by
 * construction: a fast case only fires where the two provably agree, and
 * test/unit/envelope/fast-encoder.test.ts compares both over edge values.
 */
import type { Converter, ValueOptions } from '../values';
import { Oid } from '../values';
import { numericScale } from '../values/numeric';
import { precisionOf } from '../values/temporal';
import { quoteJson, toJson } from '../json';
import type { ByteSlab } from './byte-slab';

/** Converts one non-null text-form value to JSON text. */
export type ColumnJson = (text: string) => string;

/** The generic path: convert to a JSON value, then print it. */
export function genericColumnJson(convert: Converter): ColumnJson {
  return (text) => toJson(convert(text));
}

/**
 * Canonical integer text (no leading zeros, no '+', no "-0"): Number(text) / BigInt(text)
 * print it back unchanged. At most 15 digits so a JS number holds it exactly.
 */
const CANONICAL_INT = /^(?:0|-?[1-9]\d{0,14})$/;
/** The same without the length bound: BigInt(text).toString() === text. */
const CANONICAL_BIGINT = /^(?:0|-?[1-9]\d*)$/;

function intJson(fallback: ColumnJson): ColumnJson {
  return (text) => (CANONICAL_INT.test(text) ? text : fallback(text));
}

function bigintJson(fallback: ColumnJson): ColumnJson {
  return (text) => (CANONICAL_BIGINT.test(text) ? text : fallback(text));
}

function boolJson(fallback: ColumnJson): ColumnJson {
  return (text) => (text === 't' ? 'true' : text === 'f' ? 'false' : fallback(text));
}

/** Types whose converter is the identity (their text form as a JSON string). */
const STRING_TYPES: ReadonlySet<number> = new Set([
  Oid.text, Oid.varchar, Oid.bpchar, Oid.name, Oid.char, Oid.uuid, Oid.json, Oid.jsonb, Oid.xml,
  Oid.inet, Oid.cidr, Oid.macaddr, Oid.macaddr8,
]);

/**
 * timestamptz printed in UTC with a four-digit year (`2024-02-29 13:14:15.123+00`) -> the
 * ZonedTimestamp string Debezium writes: `2024-02-29T13:14:15.123000Z`, the fraction padded to
 * the column's precision (6 unconstrained, none for p = 0). Other offsets, BC dates, infinity
 * and years beyond 9999 go to the generic converter.
 *
 * utcDigitsAt checks the form `[1-9]ddd-dd-dd dd:dd:dd(.d{1,6})?+00` on the text's bytes and
 * returns how many fraction digits it has, or -1 when the text has another form. It reads bytes,
 * not characters: the text is first copied as UTF-8 (one native copy; charCodeAt per character
 * cost twice as much), and a copy longer than the text means a character is not ASCII.
 */
const DIGIT_AT: readonly number[] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const MIN_UTC = 22;
const MAX_UTC = 29;
const utcLength = (n: number): boolean => n >= MIN_UTC && n <= MAX_UTC && n !== MIN_UTC + 1;

function utcDigitsAt(b: Uint8Array, s: number, n: number): number {
  if (b[s + n - 3] !== 0x2b || b[s + n - 2] !== 0x30 || b[s + n - 1] !== 0x30 || b[s] === 0x30) return -1;
  for (let i = 0; i < DIGIT_AT.length; i++) if (!isDigit(b[s + DIGIT_AT[i]!]!)) return -1;
  if (b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 10] !== 0x20 || b[s + 13] !== 0x3a || b[s + 16] !== 0x3a) return -1;
  if (n === MIN_UTC) return 0;
  if (b[s + 19] !== 0x2e) return -1;
  for (let i = 20; i < n - 3; i++) if (!isDigit(b[s + i]!)) return -1;
  return n - 23;
}

/** Room for the UTF-8 copy of a text utcLength accepts (at most 3 bytes per character). */
const UTC_SCRATCH = Buffer.allocUnsafe(3 * MAX_UTC);

/** utcDigitsAt of `text`'s characters: the number of fraction digits, or -1 when not in the form. */
export function utcFractionDigits(text: string): number {
  const n = text.length;
  if (!utcLength(n)) return -1;
  return UTC_SCRATCH.write(text, 0, 'utf8') === n ? utcDigitsAt(UTC_SCRATCH, 0, n) : -1;
}

/** The ZonedTimestamp JSON string of a text utcFractionDigits accepted with `digits` fraction digits. */
function utcTimestampJson(text: string, digits: number, width: number): string {
  // As the generic converter: the fraction padded (never cut) to the precision, dropped for p = 0.
  const fraction = width === 0 ? '' : '.' + (digits === 0 ? '' : text.slice(20, 20 + digits)).padEnd(width, '0');
  return '"' + text.slice(0, 10) + 'T' + text.slice(11, 19) + fraction + 'Z"';
}

/**
 * utcTimestampJson's bytes written into `out`, for a text utcFractionDigits accepts; false, and
 * nothing written, for any other text. The text's bytes are placed after the opening quote and
 * rewritten in place: the space becomes 'T', and "+00" gives way to the padding and `Z"`.
 */
export function writeUtcTimestamp(text: string, width: number, out: ByteSlab): boolean {
  const n = text.length;
  if (!utcLength(n)) return false;
  // Room after the text: the padding when it has fewer fraction digits than `width`, and `Z"`.
  const at = out.place(text, 1, width + 2);
  if (at < 0) return false;
  const b = out.area;
  const digits = utcDigitsAt(b, at, n);
  if (digits < 0) return false;
  b[at - 1] = 0x22;
  b[at + 10] = 0x54; // T
  let p = at + 19;
  if (width !== 0) {
    b[p] = 0x2e; // the '.' already, or the '+' of "+00" without a fraction
    p += 1 + digits;
    for (let i = digits; i < width; i++) b[p++] = 0x30;
  }
  b[p++] = 0x5a; // Z
  b[p++] = 0x22;
  out.advanceTo(p);
  return true;
}

function timestampTzJson(width: number, fallback: ColumnJson): ColumnJson {
  return (text) => {
    const digits = utcFractionDigits(text);
    return digits < 0 ? fallback(text) : utcTimestampJson(text, digits, width);
  };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Scratch for base64Digits: a safe integer takes at most 7 bytes, so 12 base64 characters. */
const B64_OUT = new Uint8Array(12);
const B64_BYTES = new Array<number>(8);

/**
 * Base64 of Java's BigInteger.toByteArray() for a safe integer: minimal big-endian two's
 * complement (what the generic twosComplementBase64 computes with bigint arithmetic), as ASCII
 * codes in B64_OUT; returns how many.
 */
function base64Digits(v: number): number {
  // Bytes, least significant first, until the rest is pure sign extension and the sign bit agrees.
  const bytes = B64_BYTES;
  let n = 0;
  let rest = v;
  for (;;) {
    const low = ((rest % 256) + 256) % 256;
    bytes[n++] = low;
    rest = (rest - low) / 256;
    if ((rest === 0 && low < 0x80) || (rest === -1 && low >= 0x80)) break;
  }
  let o = 0;
  for (let i = n - 1; i >= 0; i -= 3) {
    const b0 = bytes[i]!;
    const b1 = i >= 1 ? bytes[i - 1]! : 0;
    const b2 = i >= 2 ? bytes[i - 2]! : 0;
    B64_OUT[o++] = B64.charCodeAt(b0 >> 2);
    B64_OUT[o++] = B64.charCodeAt(((b0 & 3) << 4) | (b1 >> 4));
    B64_OUT[o++] = i >= 1 ? B64.charCodeAt(((b1 & 15) << 2) | (b2 >> 6)) : 0x3d;
    B64_OUT[o++] = i >= 2 ? B64.charCodeAt(b2 & 63) : 0x3d;
  }
  return o;
}

/** base64Digits as a string. */
export function smallTwosComplementBase64(v: number): string {
  return String.fromCharCode(...B64_OUT.subarray(0, base64Digits(v)));
}

/** The JSON string of smallTwosComplementBase64(v), written into `out`. */
export function writeSmallTwosComplementBase64(v: number, out: ByteSlab): void {
  out.byte(0x22);
  out.prefix(B64_OUT, base64Digits(v));
  out.byte(0x22);
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Unscaled values below this have at most 15 digits: exact as JS numbers. */
const UNSCALED_LIMIT = 1e15;

/**
 * numeric(p,s) with decimal.handling.mode=precise: the unscaled value at the declared scale as
 * base64 two's complement. Fast for plain decimal text (`-?\d+(\.\d+)?`) with at most `scale`
 * fraction digits whose unscaled value stays below 10^15 (exact as a JS number); anything else
 * (NaN, exponents, more fraction digits, larger values) goes to the generic converter.
 *
 * preciseUnscaled returns that unscaled value, or NaN for text the generic converter must take.
 */
export function preciseUnscaled(text: string, scale: number): number {
  const n = text.length;
  let i = 0;
  const negative = n > 0 && text.charCodeAt(0) === 0x2d;
  if (negative) i = 1;
  let v = 0;
  let intDigits = 0;
  let fracDigits = -1; // -1: no '.' seen
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      if (v >= UNSCALED_LIMIT) return NaN;
      if (fracDigits < 0) intDigits++;
      else fracDigits++;
    } else if (c === 0x2e && fracDigits < 0 && intDigits > 0) {
      fracDigits = 0;
    } else {
      return NaN;
    }
  }
  if (intDigits === 0 || fracDigits === 0) return NaN;
  const frac = fracDigits < 0 ? 0 : fracDigits;
  if (frac > scale) return NaN;
  const unscaled = v * POW10[scale - frac]!;
  if (unscaled >= UNSCALED_LIMIT) return NaN;
  return negative && unscaled !== 0 ? -unscaled : unscaled;
}

function preciseNumericJson(scale: number, fallback: ColumnJson): ColumnJson {
  return (text) => {
    const unscaled = preciseUnscaled(text, scale);
    return Number.isNaN(unscaled) ? fallback(text) : '"' + smallTwosComplementBase64(unscaled) + '"';
  };
}

/**
 * How the relation encoder writes a value of the column straight into its output bytes: `quote`,
 * the text as a JSON string (the converter is the identity); `int` and `bigint`, the text itself
 * when canonical (CANONICAL_INT, CANONICAL_BIGINT); `utc`, writeUtcTimestamp for the
 * text it accepts; `precise`, writeSmallTwosComplementBase64 for text preciseUnscaled
 * accepts; `bool` and `json`, the JSON text columnJson returns. Each is columnJson's output for the same
 * column, byte for byte, and anything a kind does not accept goes to columnJson.
 */
export type ColumnKind =
  | { readonly kind: 'quote' | 'int' | 'bigint' | 'bool' | 'json' }
  | { readonly kind: 'utc'; readonly width: number }
  | { readonly kind: 'precise'; readonly scale: number };

export function columnKind(typeOid: number, typeMod: number, options: ValueOptions): ColumnKind {
  switch (typeOid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.oid:
    case Oid.xid:
    case Oid.cid:
      return { kind: 'int' };
    case Oid.int8:
    case Oid.xid8:
      return { kind: 'bigint' };
    case Oid.bool:
      return { kind: 'bool' };
    case Oid.timestamptz:
      return { kind: 'utc', width: precisionOf(typeMod) };
    case Oid.numeric: {
      if (options.decimalHandling === 'string') return { kind: 'quote' };
      const scale = numericScale(typeMod);
      if (options.decimalHandling === 'precise' && scale !== null && scale >= 0 && scale <= 15) return { kind: 'precise', scale };
      return { kind: 'json' };
    }
    default:
      return { kind: STRING_TYPES.has(typeOid) ? 'quote' : 'json' };
  }
}

export { CANONICAL_INT, CANONICAL_BIGINT };

/**
 * The writer for a column whose generic converter is `convert` (makeConverter of the same type,
 * typmod and options, no column mapper applied). Built-in types only: a user type OID (>= 16384)
 * never matches a fast case.
 */
export function columnJson(typeOid: number, typeMod: number, options: ValueOptions, convert: Converter): ColumnJson {
  const fallback = genericColumnJson(convert);
  const c = columnKind(typeOid, typeMod, options);
  switch (c.kind) {
    case 'int': return intJson(fallback);
    case 'bigint': return bigintJson(fallback);
    case 'bool': return boolJson(fallback);
    case 'utc': return timestampTzJson(c.width, fallback);
    case 'precise': return preciseNumericJson(c.scale, fallback);
    case 'quote': return quoteJson;
    default: return fallback;
  }
}

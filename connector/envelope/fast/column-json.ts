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
 */
const TSTZ_UTC = /^([1-9]\d{3}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

function timestampTzJson(typeMod: number, fallback: ColumnJson): ColumnJson {
  // As the generic converter: the fraction padded (never cut) to the precision, dropped for p = 0.
  const width = precisionOf(typeMod);
  return (text) => {
    const m = TSTZ_UTC.exec(text);
    if (m === null) return fallback(text);
    const fraction = width === 0 ? '' : '.' + (m[3] ?? '').padEnd(width, '0');
    return '"' + m[1] + 'T' + m[2] + fraction + 'Z"';
  };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Base64 of Java's BigInteger.toByteArray() for a safe integer: minimal big-endian two's
 * complement (what the generic twosComplementBase64 computes with bigint arithmetic).
 */
export function smallTwosComplementBase64(v: number): string {
  // Bytes, least significant first, until the rest is pure sign extension and the sign bit agrees.
  const bytes: number[] = [];
  let rest = v;
  for (;;) {
    const low = ((rest % 256) + 256) % 256;
    bytes.push(low);
    rest = (rest - low) / 256;
    if ((rest === 0 && low < 0x80) || (rest === -1 && low >= 0x80)) break;
  }
  let out = '';
  const n = bytes.length;
  for (let i = n - 1; i >= 0; i -= 3) {
    const b0 = bytes[i]!;
    const b1 = i >= 1 ? bytes[i - 1]! : 0;
    const b2 = i >= 2 ? bytes[i - 2]! : 0;
    out += B64[b0 >> 2]! + B64[((b0 & 3) << 4) | (b1 >> 4)]!;
    out += i >= 1 ? B64[((b1 & 15) << 2) | (b2 >> 6)]! : '=';
    out += i >= 2 ? B64[b2 & 63]! : '=';
  }
  return out;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Unscaled values below this have at most 15 digits: exact as JS numbers. */
const UNSCALED_LIMIT = 1e15;

/**
 * numeric(p,s) with decimal.handling.mode=precise: the unscaled value at the declared scale as
 * base64 two's complement. Fast for plain decimal text (`-?\d+(\.\d+)?`) with at most `scale`
 * fraction digits whose unscaled value stays below 10^15 (exact as a JS number); anything else
 * (NaN, exponents, more fraction digits, larger values) goes to the generic converter.
 */
function preciseNumericJson(scale: number, fallback: ColumnJson): ColumnJson {
  return (text) => {
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
        if (v >= UNSCALED_LIMIT) return fallback(text);
        if (fracDigits < 0) intDigits++;
        else fracDigits++;
      } else if (c === 0x2e && fracDigits < 0 && intDigits > 0) {
        fracDigits = 0;
      } else {
        return fallback(text);
      }
    }
    if (intDigits === 0 || fracDigits === 0) return fallback(text);
    const frac = fracDigits < 0 ? 0 : fracDigits;
    if (frac > scale) return fallback(text);
    const unscaled = v * POW10[scale - frac]!;
    if (unscaled >= UNSCALED_LIMIT) return fallback(text);
    return '"' + smallTwosComplementBase64(negative && unscaled !== 0 ? -unscaled : unscaled) + '"';
  };
}

/**
 * The writer for a column whose generic converter is `convert` (makeConverter of the same type,
 * typmod and options, no column mapper applied). Built-in types only: a user type OID (>= 16384)
 * never matches a fast case.
 */
export function columnJson(typeOid: number, typeMod: number, options: ValueOptions, convert: Converter): ColumnJson {
  const fallback = genericColumnJson(convert);
  switch (typeOid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.oid:
    case Oid.xid:
    case Oid.cid:
      return intJson(fallback);
    case Oid.int8:
    case Oid.xid8:
      return bigintJson(fallback);
    case Oid.bool:
      return boolJson(fallback);
    case Oid.timestamptz:
      return timestampTzJson(typeMod, fallback);
    case Oid.numeric: {
      const scale = numericScale(typeMod);
      if (options.decimalHandling === 'string') return quoteJson;
      if (options.decimalHandling === 'precise' && scale !== null && scale >= 0 && scale <= 15) return preciseNumericJson(scale, fallback);
      return fallback;
    }
    default:
      return STRING_TYPES.has(typeOid) ? quoteJson : fallback;
  }
}

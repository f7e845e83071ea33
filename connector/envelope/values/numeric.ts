/**
 * numeric/decimal and money (Debezium PostgreSQL connector, "Decimal types"):
 * - decimal.handling.mode=precise (default): numeric(p,s) -> org.apache.kafka.connect.data.Decimal,
 *   bytes = the unscaled value as big-endian two's complement, minimal length (Java
 *   BigInteger.toByteArray()), which the JSON converter writes as base64. numeric without a
 *   declared precision -> io.debezium.data.VariableScaleDecimal, a struct {scale: int32, value: bytes}.
 *   NaN and ±Infinity have no Decimal form: Debezium emits null.
 * - double -> a JSON number: the value rounded to a Java double (BigDecimal.doubleValue()) and
 *   written as Double.toString lays it out (12345 -> 12345.0, -99999999.99 -> -9.999999999E7);
 *   beyond the double range "Infinity" / "-Infinity", as Debezium 3.6.1 wrote them.
 * - string -> the text as PostgreSQL printed it ('NaN' included).
 * money -> Decimal with scale money.fraction.digits (default 2) in precise mode.
 */
import { RawJson, type JsonValue } from '../json';
import type { DecimalHandling } from '../options';
import type { Converter } from './types';
import { badValue } from './fail';
import { javaFloatText } from './java-float';

const NUMBER_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** numeric's non-finite values (NaN since forever, ±Infinity since PostgreSQL 14). */
function isSpecial(text: string): boolean {
  return text === 'NaN' || text === 'Infinity' || text === '-Infinity';
}

/** Declared scale from a numeric atttypmod, -1 (or anything < 4) meaning "none". */
export function numericScale(typeMod: number): number | null {
  if (typeMod < 4) return null;
  // PG 15 packs scale as an 11-bit signed value (negative scales allowed); same result for 0..1000.
  return ((((typeMod - 4) & 0x7ff) ^ 1024) - 1024);
}

interface Unscaled {
  readonly unscaled: bigint;
  readonly scale: number;
}

/** Parses plain decimal text into digits and scale, exactly. */
export function parseDecimal(text: string): Unscaled | null {
  const m = NUMBER_TEXT.exec(text);
  if (m === null) return null;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return null;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  let digits = int + frac;
  let scale = frac.length - exp;
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  const v = BigInt(digits === '' ? '0' : digits);
  return { unscaled: m[1] === '-' ? -v : v, scale };
}

/** Re-expresses `u` at `scale` (PostgreSQL already printed typmod columns at their scale). */
function rescale(u: Unscaled, scale: number): bigint {
  if (u.scale === scale) return u.unscaled;
  if (u.scale < scale) return u.unscaled * 10n ** BigInt(scale - u.scale);
  return u.unscaled / 10n ** BigInt(u.scale - scale); // only zero digits are dropped (negative scale)
}

/** Java BigInteger.toByteArray(): minimal big-endian two's complement, base64. */
export function twosComplementBase64(v: bigint): string {
  let hex: string;
  if (v >= 0n) {
    hex = v.toString(16);
    if (hex.length % 2 === 1) hex = '0' + hex;
    if (hex.charCodeAt(0) >= 0x38) hex = '00' + hex; // top bit set: add a sign byte ('8'..'f')
  } else {
    let bytes = 1;
    while (v < -(1n << BigInt(bytes * 8 - 1))) bytes++;
    hex = ((1n << BigInt(bytes * 8)) + v).toString(16).padStart(bytes * 2, '0');
  }
  return Buffer.from(hex, 'hex').toString('base64');
}

function precise(text: string, scale: number | null, type: string): JsonValue {
  if (isSpecial(text)) return null;
  const u = parseDecimal(text);
  if (u === null) return badValue(type, text);
  if (scale === null) {
    // Variable scale: Debezium strips trailing zeros (BigDecimal.stripTrailingZeros, never
    // below scale 0), so 12.3400 is {scale 2, 1234} and 0.0 is {scale 0, 0}.
    let { unscaled, scale: s } = u;
    if (unscaled === 0n) s = 0;
    while (s > 0 && unscaled % 10n === 0n) {
      unscaled /= 10n;
      s--;
    }
    return { scale: s, value: twosComplementBase64(unscaled) };
  }
  return twosComplementBase64(rescale(u, scale));
}

function asDouble(text: string, type: string): JsonValue {
  if (isSpecial(text)) return text; // what Debezium's JSON converter writes for a double NaN/±Inf
  if (parseDecimal(text) === null) return badValue(type, text);
  const n = Number(text);
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  // String(n) has the shortest digits that read back as n: the digits Java prints.
  return new RawJson(javaFloatText(String(n))!);
}

export function makeNumericConverter(typeMod: number, mode: DecimalHandling): Converter {
  switch (mode) {
    case 'string':
      return (text) => text;
    case 'double':
      return (text) => asDouble(text, 'numeric');
    case 'precise': {
      const scale = numericScale(typeMod);
      return (text) => precise(text, scale, 'numeric');
    }
  }
}

/**
 * money's text depends on lc_monetary: '$1,234.56', '-$1,234.56', '($1.00)' in some locales.
 * We keep digits, the decimal point and the sign (assumes a '.' decimal separator, as in C and
 * en_* locales); anything we cannot read is passed through as text.
 */
export function normalizeMoney(text: string): string | null {
  const negative = text.includes('-') || (text.startsWith('(') && text.endsWith(')'));
  const plain = text.replace(/[^0-9.]/g, '');
  if (!/^\d+(?:\.\d+)?$/.test(plain)) return null;
  return negative ? '-' + plain : plain;
}

export function makeMoneyConverter(mode: DecimalHandling, fractionDigits = 2): Converter {
  return (text) => {
    const n = normalizeMoney(text);
    if (n === null) return text;
    if (mode === 'string') return n;
    if (mode === 'double') return asDouble(n, 'money');
    return precise(n, fractionDigits, 'money');
  };
}

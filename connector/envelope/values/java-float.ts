/**
 * float4/float8 as Kafka Connect's JsonConverter writes them: Jackson prints a Java float or
 * double with Float.toString / Double.toString, so 3 is `3.0`, -0 is `-0.0`, 1e-300 is
 * `1.0E-300` and 12345678 is `1.2345678E7`: plain notation for 1e-3 <= |x| < 1e7, else
 * computerized scientific notation with at least one fraction digit and no '+'.
 *
 * PostgreSQL 12+ prints floats with the fewest digits that read back to the same value
 * (extra_float_digits >= 1, the default), which are the digits java.lang's shortest-digit
 * algorithm (JDK 19+) prints; we only re-lay those digits out, never round.
 */
import { RawJson } from '../json';

const FLOAT_TEXT = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Java's toString layout of a finite decimal float text; null when the text is not one. */
export function javaFloatText(text: string): string | null {
  const m = FLOAT_TEXT.exec(text);
  if (m === null) return null;
  const sign = m[1]!;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return null;
  let digits = int + frac;
  // value = 0.<digits> × 10^pointPos
  let pointPos = int.length + (m[4] === undefined ? 0 : Number(m[4]));
  const lead = digits.search(/[1-9]/);
  if (lead < 0) return `${sign}0.0`;
  digits = digits.slice(lead).replace(/0+$/, '');
  pointPos -= lead;
  const exp = pointPos - 1; // value = d.ddd × 10^exp
  if (exp >= -3 && exp < 7) {
    if (pointPos <= 0) return `${sign}0.${'0'.repeat(-pointPos)}${digits}`;
    const whole = digits.slice(0, pointPos).padEnd(pointPos, '0');
    const rest = digits.slice(pointPos);
    return `${sign}${whole}.${rest === '' ? '0' : rest}`;
  }
  const rest = digits.slice(1);
  return `${sign}${digits[0]}.${rest === '' ? '0' : rest}E${exp}`;
}

/** A float column value: Java's layout as a raw JSON number; NaN/±Infinity as strings. */
export function javaFloat(text: string): RawJson | string | null {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
  const laid = javaFloatText(text);
  return laid === null ? null : new RawJson(laid);
}

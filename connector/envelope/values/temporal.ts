/**
 * Date and time types (Debezium PostgreSQL connector, "Temporal types"), from the server's text
 * (DateStyle=ISO; TimeZone may be anything, so timestamptz/timetz carry an offset such as
 * '+05:30', '+00' or, for historical zones, '+05:53:28'; BC dates end in ' BC').
 *
 * time.precision.mode=adaptive (default) and adaptive_time_microseconds:
 *   date                  -> io.debezium.time.Date: int32 days since 1970-01-01
 *   time(p), p <= 3       -> io.debezium.time.Time (MilliTime): int32 ms since midnight
 *                            (adaptive_time_microseconds: always MicroTime)
 *   time(p), p > 3 / none -> io.debezium.time.MicroTime: int64 µs since midnight
 *   timestamp(p), p <= 3  -> io.debezium.time.Timestamp: int64 ms since the epoch
 *   timestamp(p), p > 3   -> io.debezium.time.MicroTimestamp: int64 µs since the epoch
 * time.precision.mode=connect: date -> Connect Date (days), time -> Connect Time (ms),
 *   timestamp -> Connect Timestamp (ms); sub-millisecond digits are dropped (floor).
 * time.precision.mode=isostring: date -> 'YYYY-MM-DDZ', time -> 'HH:MM:SS[.f]Z', timestamp ->
 *   'YYYY-MM-DDTHH:MM:SS[.f]Z', fraction without trailing zeros (as Debezium 3.6.1 wrote them);
 *   ±infinity stays the text 'infinity' / '-infinity'.
 * In every mode:
 *   timestamptz -> io.debezium.time.ZonedTimestamp: ISO-8601 string in UTC, 'Z' suffix
 *   timetz      -> io.debezium.time.ZonedTime: ISO-8601 time string in UTC, 'Z' suffix
 * ZonedTimestamp has exactly the column's precision in fraction digits (6 when unconstrained);
 * ZonedTime keeps the fraction digits as the server printed them.
 *
 * ±infinity: Debezium documents that infinite timestamps become 9223372036825200000 and
 * -9223372036832400000 (PgJDBC's DATE_POSITIVE/NEGATIVE_INFINITY) µs; in millisecond fields
 * (Timestamp, Connect Timestamp) it divides them by 1000 like any value. ZonedTimestamp keeps
 * the text 'infinity' / '-infinity'.
 * Infinite dates (int32 field) become 2147483647 / -2147483648 (our choice: int32 bounds).
 */
import type { TimePrecision } from '../options';
import type { Converter } from './types';
import { badValue } from './fail';
import {
  SECONDS_PER_DAY, astronomicalYear, civilFromDays, daysFromCivil, isoYear, offsetSeconds, pad2,
} from './calendar';

export const TIMESTAMP_POSITIVE_INFINITY = 9_223_372_036_825_200_000n;
export const TIMESTAMP_NEGATIVE_INFINITY = -9_223_372_036_832_400_000n;
export const DATE_POSITIVE_INFINITY = 2_147_483_647;
export const DATE_NEGATIVE_INFINITY = -2_147_483_648;

const DATE = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;
const TIME = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;
const TIMETZ = /^(\d\d):(\d\d):(\d\d)(\.\d{1,6})?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;
const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?( BC)?$/;
const TIMESTAMPTZ = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d{1,6})?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?$/;

/** Fraction digits ('5' of '.5') -> µs. */
function fractionMicros(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(6, '0'));
}

/** time/timestamp typmod is the declared fractional-second precision; -1 means 6. */
export function precisionOf(typeMod: number): number {
  return typeMod < 0 ? 6 : typeMod;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

export function parseDateDays(text: string): number {
  if (text === 'infinity') return DATE_POSITIVE_INFINITY;
  if (text === '-infinity') return DATE_NEGATIVE_INFINITY;
  const m = DATE.exec(text);
  if (m === null) return badValue('date', text);
  return daysFromCivil(astronomicalYear(Number(m[1]), m[4] !== undefined), Number(m[2]), Number(m[3]));
}

export function makeDateConverter(mode: TimePrecision = 'adaptive'): Converter {
  if (mode !== 'isostring') return parseDateDays;
  return (text) => {
    if (text === 'infinity' || text === '-infinity') return text;
    const [y, m, d] = civilFromDays(parseDateDays(text));
    return `${isoYear(y)}-${pad2(m)}-${pad2(d)}Z`;
  };
}

/** isostring fraction: '.' and the digits without trailing zeros, nothing for zero. */
function isoFraction(micros: number): string {
  if (micros === 0) return '';
  return '.' + String(micros).padStart(6, '0').replace(/0+$/, '');
}

/** 'HH:MM:SS[.f]' of µs since midnight (24:00:00 wraps to 00:00:00, as java.time reads it). */
function isoTimeOfDay(micros: number): string {
  const us = micros % 86_400_000_000;
  const secs = Math.floor(us / 1_000_000);
  return `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor((secs % 3600) / 60))}:${pad2(secs % 60)}${isoFraction(us % 1_000_000)}`;
}

/** µs since midnight; '24:00:00' is a valid time and gives 86 400 000 000. */
export function parseTimeMicros(text: string): number {
  const m = TIME.exec(text);
  if (m === null) return badValue('time', text);
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1_000_000 + fractionMicros(m[4]);
}

export function makeTimeConverter(typeMod: number, mode: TimePrecision): Converter {
  if (mode === 'isostring') return (text) => isoTimeOfDay(parseTimeMicros(text)) + 'Z';
  const micros = mode === 'adaptive_time_microseconds' || (mode === 'adaptive' && precisionOf(typeMod) > 3);
  if (micros) return parseTimeMicros;
  return (text) => Math.floor(parseTimeMicros(text) / 1000);
}

/** timetz -> 'HH:MM:SS[.f]Z' in UTC (the offset subtracted, wrapping around midnight). */
export function makeTimeTzConverter(): Converter {
  return (text) => {
    const m = TIMETZ.exec(text);
    if (m === null) return badValue('timetz', text);
    const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    const utc = (((local - offsetSeconds(m[5]!, m[6]!, m[7], m[8])) % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
    const h = Math.floor(utc / 3600);
    const min = Math.floor((utc % 3600) / 60);
    return `${pad2(h)}:${pad2(min)}:${pad2(utc % 60)}${m[4] ?? ''}Z`;
  };
}

/** µs since the epoch of a timestamp without time zone (read as UTC, like Debezium). */
export function parseTimestampMicros(text: string): bigint {
  if (text === 'infinity') return TIMESTAMP_POSITIVE_INFINITY;
  if (text === '-infinity') return TIMESTAMP_NEGATIVE_INFINITY;
  const m = TIMESTAMP.exec(text);
  if (m === null) return badValue('timestamp', text);
  const days = daysFromCivil(astronomicalYear(Number(m[1]), m[8] !== undefined), Number(m[2]), Number(m[3]));
  // Whole seconds stay below 2^53 for PostgreSQL's whole range (4713 BC .. 294276 AD).
  const seconds = days * SECONDS_PER_DAY + Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
  return BigInt(seconds) * 1_000_000n + BigInt(fractionMicros(m[7]));
}

export function makeTimestampConverter(typeMod: number, mode: TimePrecision): Converter {
  if (mode === 'isostring') {
    return (text) => {
      if (text === 'infinity' || text === '-infinity') return text;
      const us = parseTimestampMicros(text);
      const days = Number(floorDiv(us, 86_400_000_000n));
      const [y, m, d] = civilFromDays(days);
      return `${isoYear(y)}-${pad2(m)}-${pad2(d)}T${isoTimeOfDay(Number(us - BigInt(days) * 86_400_000_000n))}Z`;
    };
  }
  if (mode !== 'connect' && precisionOf(typeMod) > 3) return parseTimestampMicros;
  // Milliseconds for every value, the infinity sentinels included (Debezium divides them too).
  return (text) => floorDiv(parseTimestampMicros(text), 1000n);
}

/**
 * timestamptz(p) -> ZonedTimestamp 'YYYY-MM-DDTHH:MM:SS.ffffffZ' in UTC with exactly p fraction
 * digits (6 when unconstrained, none for p = 0): Debezium formats with the column's precision
 * as a fixed fraction width.
 */
export function makeTimestampTzConverter(typeMod = -1): Converter {
  const width = precisionOf(typeMod);
  const fractionOf = (f: string | undefined): string => (width === 0 ? '' : '.' + (f ?? '').slice(1).padEnd(width, '0'));
  return (text) => {
    if (text === 'infinity' || text === '-infinity') return text;
    const m = TIMESTAMPTZ.exec(text);
    if (m === null) return badValue('timestamptz', text);
    const days = daysFromCivil(astronomicalYear(Number(m[1]), m[12] !== undefined), Number(m[2]), Number(m[3]));
    const local = days * SECONDS_PER_DAY + Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
    const utc = local - offsetSeconds(m[8]!, m[9]!, m[10], m[11]);
    const utcDays = Math.floor(utc / SECONDS_PER_DAY);
    const tod = utc - utcDays * SECONDS_PER_DAY;
    const [y, mo, d] = civilFromDays(utcDays);
    const h = Math.floor(tod / 3600);
    const min = Math.floor((tod % 3600) / 60);
    return `${isoYear(y)}-${pad2(mo)}-${pad2(d)}T${pad2(h)}:${pad2(min)}:${pad2(tod % 60)}${fractionOf(m[7])}Z`;
  };
}

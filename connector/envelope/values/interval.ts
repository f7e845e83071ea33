/**
 * interval (Debezium interval.handling.mode), from IntervalStyle=postgres text:
 * '1 year 2 mons 3 days 04:05:06.78', '-1 years -2 mons +3 days -04:05:06.5', '100:00:00',
 * '-1 days +02:00:00', '00:00:00'. Each part carries its own sign.
 *
 * - numeric (default) -> io.debezium.time.MicroDuration, int64 µs, computed as Debezium does with
 *   a month of 365.25 / 12 = 30.4375 days (MicroDuration.DAYS_PER_MONTH_AVG) and a day of 24 h.
 *   We compute in exact integers (a month is exactly 2 629 800 s), where Debezium goes through a
 *   double and can be 1 µs low on fractional seconds.
 * - string -> io.debezium.time.Interval, ISO-8601 with every component written, each with the
 *   sign PostgreSQL gave it: 'P1Y2M3DT4H5M6.78S', 'P-1Y-2M3DT-4H-5M-6.5S', 'P0Y0M0DT0H0M0S'.
 */
import type { IntervalHandling } from '../options';
import type { Converter } from './types';
import { badValue } from './fail';

const INTERVAL =
  /^(?:([+-]?\d+) years? ?)?(?:([+-]?\d+) mons? ?)?(?:([+-]?\d+) days? ?)?(?:([+-])?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?$/;

const MICROS_PER_MONTH = 2_629_800_000_000n; // 30.4375 days
const MICROS_PER_DAY = 86_400_000_000n;

export interface IntervalParts {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  /** The time part; all of hours, minutes, seconds, micros share its sign. */
  readonly negativeTime: boolean;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  /** Fraction digits as printed ('78' of '06.78'), '' when none. */
  readonly fraction: string;
}

export function parseInterval(text: string): IntervalParts {
  const m = text === '' ? null : INTERVAL.exec(text);
  if (m === null) return badValue('interval', text);
  return {
    years: Number(m[1] ?? 0),
    months: Number(m[2] ?? 0),
    days: Number(m[3] ?? 0),
    negativeTime: m[4] === '-',
    hours: Number(m[5] ?? 0),
    minutes: Number(m[6] ?? 0),
    seconds: Number(m[7] ?? 0),
    fraction: m[8] ?? '',
  };
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * µs of an interval, clamped to int64: Debezium computes in a double and casts to long, which
 * saturates (an interval of -178000000 years is Long.MIN_VALUE).
 */
export function intervalMicros(p: IntervalParts): bigint {
  const time =
    BigInt(p.hours * 3600 + p.minutes * 60 + p.seconds) * 1_000_000n + BigInt(p.fraction.padEnd(6, '0'));
  const us = BigInt(p.years * 12 + p.months) * MICROS_PER_MONTH + BigInt(p.days) * MICROS_PER_DAY + (p.negativeTime ? -time : time);
  return us > INT64_MAX ? INT64_MAX : us < INT64_MIN ? INT64_MIN : us;
}

export function intervalIso(p: IntervalParts): string {
  const sign = p.negativeTime ? '-' : '';
  const h = p.hours === 0 ? '0' : sign + p.hours;
  const min = p.minutes === 0 ? '0' : sign + p.minutes;
  const fraction = p.fraction.replace(/0+$/, '');
  const secondsText = p.seconds + (fraction === '' ? '' : '.' + fraction);
  const s = secondsText === '0' ? '0' : sign + secondsText;
  return `P${p.years}Y${p.months}M${p.days}DT${h}H${min}M${s}S`;
}

export function makeIntervalConverter(mode: IntervalHandling): Converter {
  return mode === 'string' ? (text) => intervalIso(parseInterval(text)) : (text) => intervalMicros(parseInterval(text));
}

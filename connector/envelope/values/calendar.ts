/**
 * Proleptic Gregorian calendar arithmetic on astronomical years (1 BC = year 0, 2 BC = -1), the
 * calendar both PostgreSQL and java.time use for every date. Algorithms from Howard Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms" (days_from_civil / civil_from_days).
 */
export const SECONDS_PER_DAY = 86_400;

/** Days since 1970-01-01 of y-m-d. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** y-m-d of a day count since 1970-01-01. */
export function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** PostgreSQL prints '0044-03-15 BC' for astronomical year -43. */
export function astronomicalYear(year: number, bc: boolean): number {
  return bc ? 1 - year : year;
}

/** java.time ISO year: 4 digits, '+' above 9999, '-' before year 0. */
export function isoYear(year: number): string {
  if (year > 9999) return '+' + year;
  if (year < 0) return '-' + String(-year).padStart(4, '0');
  return String(year).padStart(4, '0');
}

export function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** '+05:30', '-03:30:52', '+00' -> signed seconds east of UTC. */
export function offsetSeconds(sign: string, hh: string, mm: string | undefined, ss: string | undefined): number {
  const s = Number(hh) * 3600 + (mm === undefined ? 0 : Number(mm) * 60) + (ss === undefined ? 0 : Number(ss));
  return sign === '-' ? -s : s;
}

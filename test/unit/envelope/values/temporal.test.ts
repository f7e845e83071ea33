import { Oid } from '../../../../connector/envelope/values/oids';
import { conv } from './convert-helper';


// Inputs are text forms printed by PostgreSQL 15 (DateStyle ISO, IntervalStyle postgres) under
// the TimeZone noted; expected epoch values cross-checked with extract(epoch from ...).
describe('date', () => {
  test.each<[string, number]>([
    ['1970-01-01', 0],
    ['2024-02-29', 19782],
    ['1969-12-31', -1],
    ['0001-01-01 BC', -719528],
    ['infinity', 2147483647],
    ['-infinity', -2147483648],
  ])('%s', (text, days) => {
    expect(conv(Oid.date, text)).toBe(days);
    expect(conv(Oid.date, text, -1, { timePrecision: 'connect' })).toBe(days);
  });
});

describe('time', () => {
  test('default precision -> MicroTime', () => {
    expect(conv(Oid.time, '04:05:06.789012')).toBe(14706789012);
    expect(conv(Oid.time, '24:00:00')).toBe(86400000000);
    expect(conv(Oid.time, '00:00:00.5')).toBe(500000);
  });
  test('time(3) -> MilliTime', () => {
    expect(conv(Oid.time, '04:05:06.789', 3)).toBe(14706789);
  });
  test('adaptive_time_microseconds -> always µs', () => {
    expect(conv(Oid.time, '04:05:06.789', 3, { timePrecision: 'adaptive_time_microseconds' })).toBe(14706789000);
  });
  test('connect -> ms, sub-ms dropped', () => {
    expect(conv(Oid.time, '04:05:06.789999', -1, { timePrecision: 'connect' })).toBe(14706789);
  });
  test('timetz -> ZonedTime in UTC', () => {
    expect(conv(Oid.timetz, '12:34:56.5+05:30')).toBe('07:04:56.5Z');
    expect(conv(Oid.timetz, '00:00:00-12:34:56')).toBe('12:34:56Z');
    expect(conv(Oid.timetz, '01:00:00+05')).toBe('20:00:00Z');
  });
});

describe('timestamp', () => {
  test('default -> MicroTimestamp as bigint', () => {
    expect(conv(Oid.timestamp, '2024-01-02 03:04:05.123456')).toBe(1704164645123456n);
    expect(conv(Oid.timestamp, '1969-12-31 23:59:59.999')).toBe(-1000n);
    expect(conv(Oid.timestamp, '0044-03-15 12:00:00 BC')).toBe(-63517780800000000n);
    expect(conv(Oid.timestamp, '10000-01-01 00:00:00')).toBe(253402300800000000n);
  });
  test('timestamp(3) -> MilliTimestamp, floor for pre-1970', () => {
    expect(conv(Oid.timestamp, '1969-12-31 23:59:59.999', 3)).toBe(-1n);
    expect(conv(Oid.timestamp, '2024-01-02 03:04:05.12', 3)).toBe(1704164645120n);
  });
  test('connect -> ms', () => {
    expect(conv(Oid.timestamp, '2024-01-02 03:04:05.123456', -1, { timePrecision: 'connect' })).toBe(1704164645123n);
  });
  test('infinity -> Debezium/PgJDBC sentinels', () => {
    expect(conv(Oid.timestamp, 'infinity')).toBe(9223372036825200000n);
    // A millisecond field divides the sentinel like any value (Debezium 3.6.1 wrote -9223372036832400).
    expect(conv(Oid.timestamp, '-infinity', 3)).toBe(-9223372036832400n);
    expect(conv(Oid.timestamp, 'infinity', 3)).toBe(9223372036825200n);
  });
});

describe('time.precision.mode=isostring (as Debezium 3.6.1 wrote these values)', () => {
  const iso = (oid: number, text: string, typeMod = -1) => conv(oid, text, typeMod, { timePrecision: 'isostring' });
  test('date', () => {
    expect(iso(Oid.date, '2024-02-29')).toBe('2024-02-29Z');
    expect(iso(Oid.date, '0044-03-15 BC')).toBe('-0043-03-15Z');
    expect(iso(Oid.date, '1969-12-31')).toBe('1969-12-31Z');
  });
  test('time', () => {
    expect(iso(Oid.time, '13:14:15.123456')).toBe('13:14:15.123456Z');
    expect(iso(Oid.time, '13:14:15.123', 3)).toBe('13:14:15.123Z');
    expect(iso(Oid.time, '00:00:00.000001')).toBe('00:00:00.000001Z');
    expect(iso(Oid.time, '24:00:00')).toBe('00:00:00Z');
  });
  test('timestamp', () => {
    expect(iso(Oid.timestamp, '2024-02-29 13:14:15.123456')).toBe('2024-02-29T13:14:15.123456Z');
    expect(iso(Oid.timestamp, '2024-01-01 00:00:00.5')).toBe('2024-01-01T00:00:00.5Z');
    expect(iso(Oid.timestamp, '1900-01-01 00:00:00', 3)).toBe('1900-01-01T00:00:00Z');
    expect(iso(Oid.timestamp, '1969-12-31 23:59:59.999999')).toBe('1969-12-31T23:59:59.999999Z');
    expect(iso(Oid.timestamp, 'infinity')).toBe('infinity');
  });
});

describe('timestamptz -> ZonedTimestamp in UTC', () => {
  // Six fraction digits always for an unconstrained column: Debezium 3.6.1 wrote
  // "2024-02-29T11:14:15.000000Z" for '2024-02-29 13:14:15+02' (test/integration/compat).
  test.each<[string, string, string]>([
    ['Asia/Kolkata', '2024-01-02 08:34:05.123456+05:30', '2024-01-02T03:04:05.123456Z'],
    ['UTC', '2024-01-02 03:04:05+00', '2024-01-02T03:04:05.000000Z'],
    ['America/St_Johns', '2024-01-01 23:34:05-03:30', '2024-01-02T03:04:05.000000Z'],
    ['America/St_Johns (LMT, seconds offset)', '1799-12-31 20:29:08-03:30:52', '1800-01-01T00:00:00.000000Z'],
    ['Europe/Amsterdam (LMT)', '1900-01-01 00:19:32+00:19:32', '1900-01-01T00:00:00.000000Z'],
    ['Europe/Paris, crosses the year', '2024-01-01 00:30:00.5+01', '2023-12-31T23:30:00.500000Z'],
    ['Asia/Kolkata BC', '0044-03-15 12:00:00+05:53:28 BC', '-0043-03-15T06:06:32.000000Z'],
    ['UTC year 10000', '10000-01-01 00:00:00+00', '+10000-01-01T00:00:00.000000Z'],
    ['infinity', 'infinity', 'infinity'],
    ['-infinity', '-infinity', '-infinity'],
  ])('%s', (_zone, text, expected) => {
    expect(conv(Oid.timestamptz, text)).toBe(expected);
  });

  test('timestamptz(p) has exactly p fraction digits', () => {
    expect(conv(Oid.timestamptz, '2024-01-02 03:04:05.5+00', 3)).toBe('2024-01-02T03:04:05.500Z');
    expect(conv(Oid.timestamptz, '2024-01-02 03:04:05+00', 0)).toBe('2024-01-02T03:04:05Z');
  });
});

describe('interval', () => {
  test.each<[string, bigint, string]>([
    // 14 months * 30.4375 d + 3 d + 14706.78 s
    ['1 year 2 mons 3 days 04:05:06.78', 37091106780000n, 'P1Y2M3DT4H5M6.78S'],
    ['-1 years -2 mons +3 days -04:05:06.5', -36572706500000n, 'P-1Y-2M3DT-4H-5M-6.5S'],
    ['-1 days +02:00:00', -79200000000n, 'P0Y0M-1DT2H0M0S'],
    ['100:00:00', 360000000000n, 'P0Y0M0DT100H0M0S'],
    ['-00:00:01.5', -1500000n, 'P0Y0M0DT0H0M-1.5S'],
    ['00:00:00', 0n, 'P0Y0M0DT0H0M0S'],
    ['1 mon', 2629800000000n, 'P0Y1M0DT0H0M0S'],
  ])('%s', (text, micros, iso) => {
    expect(conv(Oid.interval, text)).toBe(micros);
    expect(conv(Oid.interval, text, -1, { intervalHandling: 'string' })).toBe(iso);
  });
});

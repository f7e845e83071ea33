import { makeConverter, type ValueOptions } from '../../../../connector/envelope/values';
import { parseArrayText } from '../../../../connector/envelope/values/array';
import { toJson } from '../../../../connector/envelope/json';

const OPTS: ValueOptions = {
  decimalHandling: 'precise',
  timePrecision: 'adaptive',
  binaryHandling: 'bytes',
  intervalHandling: 'numeric',
};
const conv = (oid: number, text: string, typeMod = -1) => makeConverter(oid, typeMod, OPTS)(text);

// Array text forms as printed by PostgreSQL 15 (array_out).
describe('arrays', () => {
  test('text[] with quotes, escapes, NULL and the string "NULL"', () => {
    expect(conv(1009, '{"a b","x\\"y","NULL","","a\\\\b",plain,NULL}')).toEqual([
      'a b', 'x"y', 'NULL', '', 'a\\b', 'plain', null,
    ]);
  });
  test('int4[] with NULL', () => {
    expect(conv(1007, '{1,2,NULL}')).toEqual([1, 2, null]);
  });
  test('nested int4[][]: the outer level, each sub-array null (as Debezium 3.6.1 wrote it)', () => {
    expect(conv(1007, '{{1,2},{3,4}}')).toEqual([null, null]);
    expect(conv(1007, '{{NULL,1}}')).toEqual([null]);
  });
  test('numeric[] holding NaN or ±Infinity is null as a whole (precise), as in Debezium', () => {
    expect(conv(1231, '{1.10,NaN}')).toBeNull();
    expect(conv(1231, '{-0.0,1e-5}')).toEqual([{ scale: 0, value: 'AA==' }, { scale: 5, value: 'AQ==' }]);
  });
  test('time[] reads 24:00:00 as midnight (java.time), unlike a time column', () => {
    expect(conv(1183, '{24:00:00}')).toEqual([0]);
    expect(conv(1083, '24:00:00')).toBe(86_400_000_000);
  });
  test('empty', () => {
    expect(conv(1007, '{}')).toEqual([]);
  });
  test('non-default lower bound decoration is dropped', () => {
    expect(conv(1007, '[0:1]={5,6}')).toEqual([5, 6]);
  });
  test('int8[] keeps digits', () => {
    expect(toJson(conv(1016, '{9007199254740993,-1}'))).toBe('[9007199254740993,-1]');
  });
  test('element conversions apply: timestamptz[], bytea[], jsonb[], numeric(7,2)[]', () => {
    expect(conv(1185, '{"2024-01-01 01:00:00+01"}')).toEqual(['2024-01-01T00:00:00.000000Z']);
    expect(conv(1001, '{"\\\\x01"}')).toEqual(['AQ==']);
    expect(conv(3807, '{"{\\"a\\": 1}"}')).toEqual(['{"a": 1}']);
    expect(conv(1231, '{123.45,NULL}', 458758)).toEqual(['MDk=', null]);
  });
  test("box[] uses ';' between elements", () => {
    expect(conv(1020, '{(1,2),(0,0);(3,3),(1,1)}')).toEqual(['(1,2),(0,0)', '(3,3),(1,1)']);
  });
  test('malformed text is rejected', () => {
    expect(() => parseArrayText('{1,2')).toThrow(/array/);
    expect(() => parseArrayText('{"a}')).toThrow(/array/);
    expect(() => parseArrayText('{1}x')).toThrow(/array/);
  });
});

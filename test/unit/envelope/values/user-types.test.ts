/**
 * Types created in the database, mapped as Debezium 3.6.1 mapped them in test/integration/compat
 * (the expected values below are what it wrote for the same PostgreSQL text).
 */
import { isDroppedType, makeConverter } from '../../../../connector/envelope/values';
import type { UserType, UserTypes } from '../../../../connector/model/user-types';
import { hashMapOrder, javaStringHash } from '../../../../connector/envelope/values/java-hash-map';
import { DEFAULTS } from './convert-helper';
import { toJson } from '../../../../connector/envelope/json';

const t = (oid: number, name: string, kind: string, extra: Partial<UserType> = {}): [number, UserType] =>
  [oid, { oid, name, kind, baseOid: 0, baseTypeMod: -1, elementOid: 0, ...extra }];

const TYPES: UserTypes = new Map([
  t(16400, 'hstore', 'b'), t(16401, '_hstore', 'b', { elementOid: 16400 }),
  t(16410, 'citext', 'b'), t(16411, '_citext', 'b', { elementOid: 16410 }),
  t(16420, 'ltree', 'b'), t(16421, '_ltree', 'b', { elementOid: 16420 }),
  t(16430, 'mood', 'e'), t(16431, '_mood', 'b', { elementOid: 16430 }),
  t(16440, 'posint', 'd', { baseOid: 23 }), t(16441, '_posint', 'b', { elementOid: 16440 }),
  t(16450, 'pair', 'c'), t(16451, '_pair', 'b', { elementOid: 16450 }),
  t(16460, 'cube', 'b'), t(16470, 'floatrange', 'r'), t(16480, 'geometry', 'b'),
]);

const conv = (oid: number, text: string) => makeConverter(oid, -1, DEFAULTS, TYPES)(text);

describe('user types', () => {
  test('hstore -> Json text in java.util.HashMap order', () => {
    expect(conv(16400, '"a"=>"1", "b"=>NULL')).toBe('{"a":"1","b":null}');
    expect(conv(16400, '"x"=>"\\\\", "k k"=>"v,v"')).toBe('{"k k":"v,v","x":"\\\\"}');
    expect(conv(16400, '')).toBe('{}');
  });

  test('hstore under hstore.handling.mode=map -> the object itself, HashMap order, integer-like keys kept in place', () => {
    const map = (text: string) => toJson(makeConverter(16400, -1, { ...DEFAULTS, hstoreHandling: 'map' }, TYPES)(text));
    expect(map('"a"=>"1", "b"=>NULL')).toBe('{"a":"1","b":null}');
    // "b" hashes to bucket 2, "1" to bucket 1: a JS object would print "1" first regardless.
    expect(map('"b"=>"x", "1"=>"y"')).toBe('{"1":"y","b":"x"}');
    expect(map('"x"=>"\\\\", "k k"=>"v,v"')).toBe('{"k k":"v,v","x":"\\\\"}');
    expect(map('')).toBe('{}');
    // hstore[] elements are maps too.
    expect(toJson(makeConverter(16401, -1, { ...DEFAULTS, hstoreHandling: 'map' }, TYPES)('{"\\"a\\"=>\\"1\\"",NULL}'))).toBe('[{"a":"1"},null]');
  });

  test('HashMap order: String.hashCode buckets, growing past 12 entries', () => {
    expect(javaStringHash('k k')).toBe(103926); // 107·31² + 32·31 + 107
    expect(javaStringHash('hello')).toBe(99162322);
    const keys = Array.from({ length: 13 }, (_, i) => `key${i}`);
    // 13 entries live in 32 buckets: the order is the bucket order under capacity 32.
    const bucket = (k: string) => { const h = javaStringHash(k); return (h ^ (h >>> 16)) & 31; };
    expect(hashMapOrder(keys).map(bucket)).toEqual([...keys.map(bucket)].sort((a, b) => a - b));
  });

  test('enum, citext, ltree are strings; their arrays are string arrays', () => {
    expect(conv(16430, 'happy')).toBe('happy');
    expect(conv(16431, '{sad,happy}')).toEqual(['sad', 'happy']);
    expect(conv(16411, '{Ab,cD}')).toEqual(['Ab', 'cD']);
    expect(conv(16411, '{NULL}')).toEqual([null]);
    expect(conv(16421, '{a.b,c}')).toEqual(['a.b', 'c']);
  });

  test('a domain maps as its base type', () => {
    expect(conv(16440, '7')).toBe(7);
  });

  test('composites and arrays of composites or domains are left out, as Debezium does', () => {
    expect(isDroppedType(16450, TYPES)).toBe(true);
    expect(isDroppedType(16451, TYPES)).toBe(true);
    expect(isDroppedType(16441, TYPES)).toBe(true);
    expect(isDroppedType(16440, TYPES)).toBe(false);
    expect(isDroppedType(16431, TYPES)).toBe(false);
    expect(isDroppedType(603 /* box */)).toBe(true);
    expect(isDroppedType(1187 /* interval[] */)).toBe(true);
    expect(isDroppedType(1007 /* int4[] */)).toBe(false);
  });

  test('other extension base types and user ranges are left out, as Debezium does; PostGIS keeps its text for now', () => {
    expect(isDroppedType(16460, TYPES)).toBe(true);
    expect(isDroppedType(16470, TYPES)).toBe(true);
    expect(isDroppedType(16480, TYPES)).toBe(false);
    expect(conv(16480, '0101000000000000000000F03F0000000000000040')).toBe('0101000000000000000000F03F0000000000000040');
    // A type walcast did not read (created after connect) keeps its text form.
    expect(isDroppedType(99999, TYPES)).toBe(false);
    expect(conv(99999, 'x')).toBe('x');
  });
});

import { notNullFallback, unavailablePlaceholder, type ValueOptions } from '../../../../connector/envelope/values';
import { Oid } from '../../../../connector/envelope/values/oids';
import { conv, DEFAULTS } from './convert-helper';
import { RawJson, toJson, type JsonValue } from '../../../../connector/envelope/json';
import { isConnectorError } from '../../../../connector/errors';


// numeric typmods as PostgreSQL stores them (pg_attribute.atttypmod), read from a PG 15 catalog.
const NUMERIC_7_2 = 458758;
const NUMERIC_10_4 = 655368;
const NUMERIC_5_MINUS_2 = 329730;

describe('scalars', () => {
  test.each<[string, number, string, JsonValue]>([
    ['bool t', Oid.bool, 't', true],
    ['bool f', Oid.bool, 'f', false],
    ['int2', Oid.int2, '-32768', -32768],
    ['int4', Oid.int4, '2147483647', 2147483647],
    ['oid', Oid.oid, '4294967295', 4294967295],
    ['int8', Oid.int8, '-9223372036854775808', -9223372036854775808n],
    ['float8', Oid.float8, '3.141592653589793', new RawJson('3.141592653589793')],
    ['float4 exponent', Oid.float4, '1e+30', new RawJson('1.0E30')],
    ['float NaN', Oid.float8, 'NaN', 'NaN'],
    ['float Infinity', Oid.float4, 'Infinity', 'Infinity'],
    ['float -Infinity', Oid.float8, '-Infinity', '-Infinity'],
    ['text', Oid.text, 'héllo "x"', 'héllo "x"'],
    ['bpchar keeps padding', Oid.bpchar, 'ab  ', 'ab  '],
    ['uuid', Oid.uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['jsonb is a string', Oid.jsonb, '{"a": 1}', '{"a": 1}'],
    ['inet as text', Oid.inet, '10.0.0.1/8', '10.0.0.1/8'],
    ['enum / unknown OID as text', 987654, 'happy', 'happy'],
    ['bit(1)', Oid.bit, '1', true],
  ])('%s', (_name, oid, text, expected) => {
    const typeMod = oid === Oid.bit ? 1 : -1;
    expect(conv(oid, text, typeMod)).toEqual(expected);
  });

  test('int8 beyond 2^53 keeps every digit in the JSON text', () => {
    const v = conv(Oid.int8, '9007199254740993');
    expect(v).toBe(9007199254740993n);
    expect(toJson({ id: v })).toBe('{"id":9007199254740993}');
  });

  test('bit(10) is Bits: little-endian bytes of the binary number, base64', () => {
    // 0b1000000001 = 513 = 0x0201 -> bytes [0x01, 0x02] -> "AQI="
    expect(conv(Oid.bit, '1000000001', 10)).toBe('AQI=');
  });

  test('Bits take as many bytes as the highest set bit needs (Debezium: B\'00000\' is "")', () => {
    expect(conv(Oid.bit, '00000', 5)).toBe('');
    expect(conv(Oid.varbit, '000000001')).toBe('AQ==');
    expect(conv(Oid.varbit, '')).toBe('');
  });

  test.each<[string, string]>([
    // Java's Double/Float.toString layout, as Debezium 3.6.1 + JsonConverter wrote these values.
    ['3', '3.0'], ['-0', '-0.0'], ['1.5', '1.5'], ['-1e-300', '-1.0E-300'], ['1e-300', '1.0E-300'],
    ['0.001', '0.001'], ['0.0001', '1.0E-4'], ['1234567', '1234567.0'], ['12345678', '1.2345678E7'],
    ['1.2345678901234567e+20', '1.2345678901234567E20'], ['123.456', '123.456'],
  ])('float %s is written %s', (text, expected) => {
    expect(toJson(conv(Oid.float8, text))).toBe(expected);
  });

  test('point is io.debezium.data.geometry.Point (as Debezium 3.6.1 wrote it)', () => {
    expect(toJson(conv(Oid.point, '(1.5,2)'))).toBe('{"x":1.5,"y":2.0,"wkb":"AQEAAAAAAAAAAAD4PwAAAAAAAABA","srid":null}');
    expect(toJson(conv(Oid.point, '(-0,1e-300)'))).toBe('{"x":-0.0,"y":1.0E-300,"wkb":"AQEAAAAAAAAAAAAAgFnz+MIfbqUB","srid":null}');
  });

  test('interval µs saturate at int64 like Debezium\'s double-to-long cast', () => {
    expect(conv(Oid.interval, '-178000000 years')).toBe(-9223372036854775808n);
  });

  test('malformed input is a DECODE error', () => {
    expect(() => conv(Oid.int4, '12x')).toThrow(expect.objectContaining({ code: 'DECODE' }));
    try {
      conv(Oid.bool, 'maybe');
    } catch (e) {
      expect(isConnectorError(e, 'DECODE')).toBe(true);
    }
  });
});

describe('numeric', () => {
  // Hand-worked: 12345 = 0x3039 -> [0x30,0x39] -> 001100 000011 100100 -> "MDk="
  test.each<[string, string, number, JsonValue]>([
    ['scale 2', '123.45', NUMERIC_7_2, 'MDk='],
    ['negative: -100 = 0x9c in one byte', '-1.00', NUMERIC_7_2, 'nA=='],
    ['128 needs a sign byte: [0x00,0x80]', '1.28', NUMERIC_7_2, 'AIA='],
    ['zero', '0.00', NUMERIC_7_2, 'AA=='],
    ['trailing zeros are part of the unscaled value: 1234500 = 0x12d644', '123.4500', NUMERIC_10_4, 'EtZE'],
    ['negative scale: 12300 at scale -2 is 123 = 0x7b', '12300', NUMERIC_5_MINUS_2, 'ew=='],
    ['NaN has no Decimal form', 'NaN', NUMERIC_7_2, null],
    ['Infinity has no Decimal form', 'Infinity', -1, null],
  ])('precise %s', (_name, text, typeMod, expected) => {
    expect(conv(Oid.numeric, text, typeMod)).toEqual(expected);
  });

  test('precise without typmod is VariableScaleDecimal', () => {
    expect(conv(Oid.numeric, '1.5')).toEqual({ scale: 1, value: 'Dw==' }); // 15 = 0x0f
    expect(conv(Oid.numeric, '-0.001')).toEqual({ scale: 3, value: '/w==' }); // -1 = 0xff
  });

  test('precise without typmod strips trailing zeros (Debezium 3.6.1: 12.3400 -> {scale 2, "BNI="})', () => {
    expect(conv(Oid.numeric, '12.3400')).toEqual({ scale: 2, value: 'BNI=' });
    expect(conv(Oid.numeric, '-0.0')).toEqual({ scale: 0, value: 'AA==' });
    expect(conv(Oid.numeric, '1200')).toEqual({ scale: 0, value: 'BLA=' });
  });

  test('precise round-trips a value far beyond 2^64', () => {
    const v = conv(Oid.numeric, '-123456789012345678901234567890.123456789') as { scale: number; value: string };
    expect(v.scale).toBe(9);
    const bytes = Buffer.from(v.value, 'base64');
    let n = BigInt('0x' + bytes.toString('hex'));
    if (bytes[0]! & 0x80) n -= 1n << BigInt(bytes.length * 8);
    expect(n).toBe(-123456789012345678901234567890123456789n);
  });

  test('double is a Java double in Double.toString layout (as Debezium 3.6.1 wrote these)', () => {
    const d = (text: string, typeMod = -1) => toJson(conv(Oid.numeric, text, typeMod, { decimalHandling: 'double' }));
    expect(d('12345678901234567890.12345678901')).toBe('1.2345678901234567E19');
    expect(d('-99999999.99', 655366)).toBe('-9.999999999E7');
    expect(d('12345', 327684)).toBe('12345.0');
    expect(d('0.000000000000000000001')).toBe('1.0E-21');
    expect(d('0.00', 655366)).toBe('0.0');
    expect(d(`${'9'.repeat(500)}.5`)).toBe('"Infinity"');
    expect(conv(Oid.numeric, 'NaN', -1, { decimalHandling: 'double' })).toBe('NaN');
    expect(toJson(conv(Oid.money, '-$92,233,720,368,547,758.08', -1, { decimalHandling: 'double' }))).toBe('-9.223372036854776E16');
  });

  test('string keeps the text', () => {
    expect(conv(Oid.numeric, '123.4500', NUMERIC_10_4, { decimalHandling: 'string' })).toBe('123.4500');
    expect(conv(Oid.numeric, 'NaN', -1, { decimalHandling: 'string' })).toBe('NaN');
  });

  test('money is numeric with scale 2', () => {
    expect(conv(Oid.money, '$12.34')).toBe('BNI='); // 1234 = 0x04d2
    expect(conv(Oid.money, '-$1,234.56', -1, { decimalHandling: 'string' })).toBe('-1234.56');
    expect(toJson(conv(Oid.money, '-$1,234.56', -1, { decimalHandling: 'double' }))).toBe('-1234.56');
  });
});

describe('bytea', () => {
  test.each<[ValueOptions['binaryHandling'], string]>([
    ['bytes', 'AQL/'],
    ['base64', 'AQL/'],
    ['base64-url-safe', 'AQL_'],
    ['hex', '0102ff'],
  ])('%s', (mode, expected) => {
    expect(conv(Oid.bytea, '\\x0102ff', -1, { binaryHandling: mode })).toBe(expected);
  });

  test('escape format', () => {
    expect(conv(Oid.bytea, 'a\\\\b\\001', -1, { binaryHandling: 'hex' })).toBe('615c6201');
  });
});

describe('placeholders for unchanged TOAST', () => {
  test('text, bytea, arrays', () => {
    expect(unavailablePlaceholder(Oid.text, DEFAULTS)).toBe('__debezium_unavailable_value');
    expect(unavailablePlaceholder(Oid.bytea, DEFAULTS)).toBe(
      Buffer.from('__debezium_unavailable_value').toString('base64'),
    );
    expect(unavailablePlaceholder(1009, DEFAULTS)).toEqual(['__debezium_unavailable_value']);
  });

  test('placeholders of arrays and hstore in the shapes Debezium 3.6.1 wrote them', () => {
    const bytes = [...Buffer.from('__debezium_unavailable_value')];
    expect(unavailablePlaceholder(1007, DEFAULTS)).toEqual(bytes); // int4[]: the bytes as numbers
    expect(unavailablePlaceholder(1182, DEFAULTS)).toEqual(bytes); // date[]
    expect(unavailablePlaceholder(1016, DEFAULTS)).toEqual(bytes); // int8[]
    expect(unavailablePlaceholder(2951, DEFAULTS)).toEqual(['b68a35a7-17ad-35b3-af2a-ae46edb4545a']); // uuid[]: UUID v3
    expect(unavailablePlaceholder(3807, DEFAULTS)).toEqual(['__debezium_unavailable_value']); // jsonb[]
    expect(unavailablePlaceholder(1231, DEFAULTS)).toBeNull(); // numeric[]
    expect(unavailablePlaceholder(1022, DEFAULTS)).toBeNull(); // float8[]
    const hstore = new Map([[16400, { oid: 16400, name: 'hstore', kind: 'b', baseOid: 0, baseTypeMod: -1, elementOid: 0 }]]);
    expect(unavailablePlaceholder(16400, DEFAULTS, hstore)).toBe('{"__debezium_unavailable_value":"__debezium_unavailable_value"}');
    // A NOT NULL hstore a key-only old row lacks: Debezium's fallback, "{}" or an empty map.
    expect(notNullFallback(16400, -1, DEFAULTS, hstore)).toBe('{}');
    expect(notNullFallback(16400, -1, { ...DEFAULTS, hstoreHandling: 'map' }, hstore)).toEqual({});
    // hstore.handling.mode=map: Debezium's placeholder map itself.
    expect(unavailablePlaceholder(16400, { ...DEFAULTS, hstoreHandling: 'map' }, hstore))
      .toEqual({ __debezium_unavailable_value: '__debezium_unavailable_value' });
  });
});

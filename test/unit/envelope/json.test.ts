import { RawJson, quoteJson, toJson, type JsonValue } from '../../../connector/envelope/json';

describe('toJson', () => {
  test('strings escape exactly like JSON.stringify', () => {
    const samples = [
      '', 'plain', 'quote " and \\ backslash', 'controls \u0000\u0001\b\f\n\r\t\u001f', '\u007f del',
      'unicode é 漢字 😀', 'lone \ud800 high', 'lone \udc00 low', 'line\u2028sep\u2029', '</script>',
      'x'.repeat(200) + '"', 'y'.repeat(200),
    ];
    for (const s of samples) expect(quoteJson(s)).toBe(JSON.stringify(s));
  });

  test('matches JSON.stringify on plain data', () => {
    const v: JsonValue = {
      a: 1, b: -0, c: 1.5e-7, d: 1e21, e: true, f: null, g: [1, 'x', [null, false], {}], h: { 'k"ey': 'v' }, i: [],
      '2': 'numeric-like key order',
    };
    expect(toJson(v)).toBe(JSON.stringify(v));
  });

  test('bigint as digits, RawJson verbatim, non-finite numbers as null', () => {
    expect(toJson({ big: 123456789012345678901234567890n, neg: -9223372036854775808n })).toBe(
      '{"big":123456789012345678901234567890,"neg":-9223372036854775808}',
    );
    expect(toJson([new RawJson('12.3400'), NaN, Infinity])).toBe('[12.3400,null,null]');
  });

  test('undefined members are skipped like JSON.stringify', () => {
    const v = { a: undefined, b: 1 } as unknown as JsonValue;
    expect(toJson(v)).toBe('{"b":1}');
  });
});

// parsePayload: long number literals keep their text (fast path and fallback); the codec turns
// them into exact Avro values.
import avro from 'avsc';
import { compileCodec, NUMBER_MARK, parsePayload } from '../../../../connector/sink/kafka/avro/avro-codec';
import { parseConnectSchema } from '../../../../connector/sink/kafka/avro/connect-schema-json';

const M = NUMBER_MARK;

test('long number literals come back as marked text; short ones and strings as they are', () => {
  expect(parsePayload('{"a":1700000000000001000,"b":[-9223372036854775808,12],"c":17636.714285714286,"d":"1234567890123456789","e":1.5}'))
    .toEqual({ a: `${M}1700000000000001000`, b: [`${M}-9223372036854775808`, 12], c: `${M}17636.714285714286`, d: '1234567890123456789', e: 1.5 });
});

test('a string that looks like a long number after a delimiter does not fool it (fallback parse)', () => {
  const text = '{"s":"x,12345678901234567890]","n":12345678901234567890}';
  expect(parsePayload(text)).toEqual({ s: 'x,12345678901234567890]', n: `${M}12345678901234567890` });
  expect(parsePayload('{"s":"a:1234567890123456789,","t":"[1234567890123456789}"}')).toEqual({ s: 'a:1234567890123456789,', t: '[1234567890123456789}' });
});

test('the codec writes marked numbers exactly: int64, double, NUMERIC decimal', () => {
  const schema = parseConnectSchema({
    type: 'struct', name: 'r', fields: [
      { type: 'int64', field: 'i' }, { type: 'double', field: 'f' },
      { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' }, field: 'd' },
    ],
  });
  const codec = compileCodec(schema);
  const bytes = codec.encode(parsePayload('{"i":9223372036854775807,"f":17636.714285714286,"d":123456789012345678.91}'));
  const long = avro.types.LongType.__with({
    fromBuffer: (b: Buffer) => b.readBigInt64LE(), toBuffer: () => Buffer.alloc(8), fromJSON: BigInt, toJSON: Number, isValid: () => true, compare: () => 0,
  });
  const back = avro.Type.forSchema(JSON.parse(codec.schemaText) as avro.Schema, { registry: { long } }).fromBuffer(bytes) as { i: bigint; f: number; d: Buffer };
  expect(back.i).toBe(9223372036854775807n);
  expect(back.f).toBe(17636.714285714286);
  expect(BigInt('0x' + back.d.toString('hex'))).toBe(12345678901234567891n);
});

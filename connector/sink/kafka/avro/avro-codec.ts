/**
 * One Connect schema compiled for Avro: its Avro schema text (what is registered) and an avsc
 * type that writes a Connect JSON payload (the `payload` half of `{"schema":..,"payload":..}`)
 * as Avro binary.
 *
 * Payload values arrive in the JSON converter's forms: int64 and other numbers that are not
 * safe JS integers keep their literal text (see parsePayload), bytes and Decimal are base64
 * (decimal.format BASE64, the JsonConverter default) or a plain number (NUMERIC), floats may be
 * "NaN"/"Infinity"/"-Infinity", maps with non-string keys are arrays of [key, value] pairs.
 */
import avro from 'avsc';
import type { ConnectMapSchema, ConnectSchema } from '../../../envelope/connect-schema';
import { DECIMAL } from './connect-schema-json';
import { avroSchemaOf } from './avro-schema';

/**
 * Avro long as a JS bigint: int8 extremes (and every int64 Debezium writes) are exact. avsc's
 * documented way to replace its number-based long (`LongType.__with`, given as `registry.long`).
 */
const BIGINT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (v: unknown) => BigInt(v as string),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint' && n >= -(2n ** 63n) && n < 2n ** 63n,
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

export interface AvroCodec {
  /** The Avro schema as registered (JSON text). */
  readonly schemaText: string;
  /** Avro binary of a Connect JSON payload (parsed with parsePayload). */
  encode(payload: unknown): Buffer;
}

export function compileCodec(schema: ConnectSchema): AvroCodec {
  const avroSchema = avroSchemaOf(schema);
  const type = avro.Type.forSchema(avroSchema as avro.Schema, { registry: { long: BIGINT_LONG }, wrapUnions: 'auto' });
  return {
    schemaText: JSON.stringify(avroSchema),
    encode(payload: unknown): Buffer {
      const value = toDatum(schema, payload, '$');
      try {
        return type.toBuffer(value);
      } catch (e) {
        throw new TypeError(`payload does not fit its Avro schema: ${invalidPaths(type, value) || (e as Error).message}`);
      }
    },
  };
}

/**
 * JSON.parse that keeps the literal text of the numbers a double may not hold (int64 beyond 2^53:
 * `ts_ns`, int8 extremes; decimals in NUMERIC form): such a number comes back as the string
 * NUMBER_MARK + its text, and the Connect schema decides what it becomes. (No JSON string of a payload starts with U+0000:
 * PostgreSQL text cannot hold it, and bytes are base64.)
 *
 * Fast path: number literals of 16+ characters after `:`, `,` or `[` are quoted with the mark by a
 * regex, then the native JSON.parse runs (~3x faster than a reviver here). The regex does not
 * know strings, but quoting inside a string always breaks the JSON (the inserted quote closes
 * the string right before the digits), so a wrong match cannot parse: on a SyntaxError the
 * payload is parsed again with a reviver that reads every number's source text.
 */
export function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text.replace(LONG_NUMBER, `$1"${MARK_ESCAPED}$2"`));
  } catch {
    return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
      typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined ? NUMBER_MARK + context.source : value);
  }
}

const LONG_NUMBER = /([:,[])(-?\d[\d.eE+-]{15,})(?=[,}\]])/g;
export const NUMBER_MARK = '\u0000';
const MARK_ESCAPED = '\\u0000';

/** The literal text of a number parsePayload kept as text, or undefined. */
function numberText(v: unknown): string | undefined {
  return typeof v === 'string' && v.charCodeAt(0) === 0 ? v.slice(1) : undefined;
}

function invalidPaths(type: avro.Type, value: unknown): string {
  const paths: string[] = [];
  type.isValid(value, { errorHook: (path: string[], v: unknown, t: avro.Type) => { paths.push(`${path.join('.') || '$'} (${String(v)} for ${t.typeName})`); } });
  return paths.slice(0, 5).join(', ');
}

const FLOAT_WORDS: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function toDatum(schema: ConnectSchema, v: unknown, path: string): unknown {
  if (v === null || v === undefined) {
    if (schema.optional) return null;
    if (schema.defaultValue !== undefined && schema.defaultValue !== null) return toDatum(schema, schema.defaultValue, path);
    throw new TypeError(`${path}: null for a required ${schema.type}`);
  }
  switch (schema.type) {
    case 'int8': case 'int16': case 'int32':
      return Number(v);
    case 'int64':
      return BigInt(numberText(v) ?? (v as string | number));
    case 'float32': case 'float64':
      return typeof v === 'number' ? v : (FLOAT_WORDS[String(v)] ?? Number(numberText(v) ?? String(v)));
    case 'boolean': case 'string':
      return v;
    case 'bytes':
      // A JSON string is base64 (bytes; Decimal in BASE64 format), a number a Decimal in NUMERIC format.
      if (schema.name === DECIMAL && (typeof v === 'number' || numberText(v) !== undefined)) {
        return unscaledBytes(numberText(v) ?? String(v), Number(schema.parameters?.scale ?? 0), path);
      }
      if (typeof v === 'string') return Buffer.from(v, 'base64');
      throw new TypeError(`${path}: ${typeof v} for bytes`);
    case 'array':
      return (v as unknown[]).map((item, i) => toDatum(schema.items, item, `${path}[${i}]`));
    case 'map':
      return mapDatum(schema, v, path);
    case 'struct': {
      const obj = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of schema.fields) out[f.name] = toDatum(f.schema, obj[f.name], `${path}.${f.name}`);
      return out;
    }
  }
}

function mapDatum(schema: ConnectMapSchema, v: unknown, path: string): unknown {
  if (schema.keys.type === 'string' && !schema.keys.optional) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = toDatum(schema.values, item, `${path}.${k}`);
    return out;
  }
  // JsonConverter writes a map with non-string keys as [[key, value], ...].
  return (v as [unknown, unknown][]).map(([k, item], i) => ({
    key: toDatum(schema.keys, k, `${path}[${i}].key`),
    value: toDatum(schema.values, item, `${path}[${i}].value`),
  }));
}

/** A decimal's unscaled value as big-endian two's complement, minimal length (Java's BigInteger.toByteArray). */
function unscaledBytes(text: string, scale: number, path: string): Buffer {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(text.trim());
  if (!m) throw new TypeError(`${path}: ${JSON.stringify(text)} is not a decimal number`);
  const [, sign, int, frac = '', exp = '0'] = m;
  // digits × 10^(exp - frac.length), rescaled to `scale`.
  const shift = scale + Number(exp) - frac.length;
  let unscaled = BigInt(int + frac);
  if (shift >= 0) unscaled *= 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    if (unscaled % div !== 0n) throw new TypeError(`${path}: ${text} has more than ${scale} fraction digits`);
    unscaled /= div;
  }
  if (sign === '-') unscaled = -unscaled;
  return twosComplement(unscaled);
}

function twosComplement(n: bigint): Buffer {
  let bytes = 1;
  while (n < -(1n << BigInt(8 * bytes - 1)) || n >= 1n << BigInt(8 * bytes - 1)) bytes += 1;
  const out = Buffer.alloc(bytes);
  let v = BigInt.asUintN(8 * bytes, n);
  for (let i = bytes - 1; i >= 0; i -= 1) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

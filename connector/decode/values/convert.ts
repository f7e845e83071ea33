/**
 * makeConverter: one PostgreSQL column type (OID + typmod) -> a function from the value's text
 * form to its Debezium JSON value (schemas disabled), following the Debezium PostgreSQL
 * connector's documented default mappings and handling modes. Built once per column; the
 * returned function does no lookups.
 *
 *   bool                              -> BOOLEAN
 *   int2, int4, oid, xid, cid         -> INT16 / INT32 / INT64 as a JSON number
 *   int8, xid8                        -> INT64 as bigint (digits never pass a JS number)
 *   float4, float8                    -> FLOAT32 / FLOAT64; NaN and ±Infinity as the strings
 *                                        "NaN" / "Infinity" / "-Infinity" (Debezium's JSON output)
 *   numeric, money                    -> see numeric.ts (decimal.handling.mode)
 *   text, varchar, bpchar, name, char -> STRING (bpchar keeps its padding)
 *   json, jsonb                       -> io.debezium.data.Json: the JSON text as a STRING
 *   xml                               -> io.debezium.data.Xml: STRING
 *   uuid                              -> io.debezium.data.Uuid: STRING
 *   bytea                             -> see binary.ts (binary.handling.mode)
 *   bit, varbit                       -> BOOLEAN for bit(1), else io.debezium.data.Bits
 *   date, time, timetz, timestamp[tz] -> see temporal.ts (time.precision.mode)
 *   interval                          -> see interval.ts (interval.handling.mode)
 *   built-in arrays                   -> ARRAY of the element mapping (array.ts)
 *   inet, cidr, macaddr, point, ranges, tsvector, pg_lsn, enums, domains, extension
 *   types (hstore, ltree, citext, PostGIS) and anything else -> the text form as a STRING
 */
import type { JsonValue } from '../../envelope/json';
import type { Converter, ValueOptions } from './types';
import { ARRAY_ELEMENT, Oid, arrayDelimiter } from './oids';
import { badValue } from './fail';
import { makeMoneyConverter, makeNumericConverter } from './numeric';
import { encodeBinary, makeBitConverter, makeByteaConverter } from './binary';
import {
  makeDateConverter, makeTimeConverter, makeTimeTzConverter, makeTimestampConverter, makeTimestampTzConverter,
} from './temporal';
import { makeIntervalConverter } from './interval';
import { makeArrayConverter } from './array';

const identity: Converter = (text) => text;

const INTEGER = /^-?\d+$/;

function toBool(text: string): boolean {
  if (text === 't') return true;
  if (text === 'f') return false;
  // wal2json and snapshot paths may hand over the spelled-out forms.
  if (text === 'true') return true;
  if (text === 'false') return false;
  return badValue('bool', text);
}

function toInt(text: string): number {
  if (!INTEGER.test(text)) return badValue('integer', text);
  return Number(text);
}

function toBigInt(text: string): bigint {
  if (!INTEGER.test(text)) return badValue('int8', text);
  return BigInt(text);
}

function toFloat(text: string): JsonValue {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text;
  const n = Number(text);
  if (Number.isNaN(n)) return badValue('float', text);
  return n;
}

export function makeConverter(typeOid: number, typeMod: number, options: ValueOptions): Converter {
  switch (typeOid) {
    case Oid.bool:
      return toBool;
    case Oid.int2:
    case Oid.int4:
    case Oid.oid:
    case Oid.xid:
    case Oid.cid:
      return toInt;
    case Oid.int8:
    case Oid.xid8:
      return toBigInt;
    case Oid.float4:
    case Oid.float8:
      return toFloat;
    case Oid.numeric:
      return makeNumericConverter(typeMod, options.decimalHandling);
    case Oid.money:
      return makeMoneyConverter(options.decimalHandling);
    case Oid.bytea:
      return makeByteaConverter(options.binaryHandling);
    case Oid.bit:
    case Oid.varbit:
      return makeBitConverter(typeOid, typeMod);
    case Oid.date:
      return makeDateConverter();
    case Oid.time:
      return makeTimeConverter(typeMod, options.timePrecision);
    case Oid.timetz:
      return makeTimeTzConverter();
    case Oid.timestamp:
      return makeTimestampConverter(typeMod, options.timePrecision);
    case Oid.timestamptz:
      return makeTimestampTzConverter();
    case Oid.interval:
      return makeIntervalConverter(options.intervalHandling);
    default: {
      const element = ARRAY_ELEMENT.get(typeOid);
      if (element !== undefined) {
        return makeArrayConverter(makeConverter(element, typeMod, options), arrayDelimiter(element));
      }
      return identity;
    }
  }
}

/** Debezium's default unavailable.value.placeholder. */
export const UNAVAILABLE_VALUE_PLACEHOLDER = '__debezium_unavailable_value';

/**
 * What an unchanged TOASTed value the server did not send becomes (Debezium's
 * unavailable.value.placeholder): the placeholder string for text-like and other columns; for
 * bytea the placeholder's UTF-8 bytes under binary.handling.mode; for arrays a one-element
 * array holding the element's placeholder (Debezium does this for text and binary arrays; we
 * extend it to every array so the field stays an array).
 */
export function unavailablePlaceholder(typeOid: number, options: ValueOptions): JsonValue {
  if (typeOid === Oid.bytea) return encodeBinary(Buffer.from(UNAVAILABLE_VALUE_PLACEHOLDER, 'utf8'), options.binaryHandling);
  const element = ARRAY_ELEMENT.get(typeOid);
  if (element !== undefined) return [unavailablePlaceholder(element, options)];
  return UNAVAILABLE_VALUE_PLACEHOLDER;
}

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
 *   types (ltree, citext, PostGIS) and anything else -> the text form as a STRING
 *   hstore                            -> see hstore.ts (hstore.handling.mode)
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '../json';
import type { UserTypes } from '../../model/user-types';
import type { Converter, ValueOptions } from './types';
import { makeHstoreConverter } from './hstore';
import { ARRAY_ELEMENT, Oid, arrayDelimiter } from './oids';
import { badValue } from './fail';
import { makeMoneyConverter, makeNumericConverter } from './numeric';
import { encodeBinary, makeBitConverter, makeByteaConverter } from './binary';
import {
  makeDateConverter, makeTimeConverter, makeTimeTzConverter, makeTimestampConverter, makeTimestampTzConverter,
} from './temporal';
import { makeIntervalConverter } from './interval';
import { makeArrayConverter, type ArrayQuirks } from './array';
import { javaFloat } from './java-float';
import { makePointConverter } from './geometry';

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
  const v = javaFloat(text);
  return v === null ? badValue('float', text) : v;
}

/** Where Debezium's array mapping departs from its scalar mapping (see test/integration/compat). */
function arrayQuirks(element: number): ArrayQuirks {
  if (element === Oid.numeric) return { rejects: (t) => t === 'NaN' || t === 'Infinity' || t === '-Infinity' };
  if (element === Oid.time) return { rewrite: (t) => (t.startsWith('24:') ? '00:00:00' : t) };
  return {};
}

/** Extension types Debezium maps to a string by name (citext, ltree; isbn and friends of isn). */
const STRING_EXTENSION_TYPES: ReadonlySet<string> = new Set(['citext', 'ltree', 'isbn', 'isbn13', 'issn', 'issn13', 'ismn', 'ismn13', 'ean13', 'upc']);

/**
 * Extension types Debezium maps to a struct of its own (PostGIS, pgvector). walcast does not
 * build those structs yet: their values keep the text form rather than being left out.
 */
const TEXT_FOR_NOW_EXTENSION_TYPES: ReadonlySet<string> = new Set(['geometry', 'geography', 'vector', 'halfvec', 'sparsevec']);

/**
 * A type created in the database: enums and the string-like extension types -> STRING, hstore
 * -> Json text, a domain -> its base type's mapping, arrays of enums and of those extension
 * types -> ARRAY. null when Debezium has no schema for it and leaves the column out (with its
 * default include.unknown.datatypes=false): composites, user ranges, other extension base types,
 * arrays of domains or composites (see isDroppedType).
 */
function userTypeConverter(typeOid: number, options: ValueOptions, userTypes: UserTypes | undefined): Converter | null {
  const t = userTypes?.get(typeOid);
  if (t === undefined) return identity;
  if (t.kind === 'd') return makeConverter(t.baseOid, t.baseTypeMod, options, userTypes);
  if (t.kind === 'e') return identity;
  if (t.kind === 'c') return null;
  if (t.name === 'hstore') return makeHstoreConverter(options.hstoreHandling);
  if (STRING_EXTENSION_TYPES.has(t.name) || TEXT_FOR_NOW_EXTENSION_TYPES.has(t.name)) return identity;
  if (t.kind === 'b' && t.elementOid !== 0) {
    const element = userTypes?.get(t.elementOid);
    if (element === undefined || element.kind === 'c' || element.kind === 'd') return null;
    const convert = userTypeConverter(t.elementOid, options, userTypes);
    return convert === null ? null : makeArrayConverter(convert, ',');
  }
  return null;
}

export function makeConverter(typeOid: number, typeMod: number, options: ValueOptions, userTypes?: UserTypes): Converter {
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
      return makeDateConverter(options.timePrecision);
    case Oid.time:
      return makeTimeConverter(typeMod, options.timePrecision);
    case Oid.timetz:
      return makeTimeTzConverter();
    case Oid.timestamp:
      return makeTimestampConverter(typeMod, options.timePrecision);
    case Oid.timestamptz:
      return makeTimestampTzConverter(typeMod);
    case Oid.interval:
      return makeIntervalConverter(options.intervalHandling);
    case Oid.point:
      return makePointConverter();
    default: {
      const element = ARRAY_ELEMENT.get(typeOid);
      if (element !== undefined) {
        return makeArrayConverter(makeConverter(element, typeMod, options), arrayDelimiter(element), arrayQuirks(element));
      }
      return userTypeConverter(typeOid, options, userTypes) ?? identity;
    }
  }
}

/**
 * Built-in types Debezium 3.6.1's PostgreSQL connector has no schema for: with its default
 * include.unknown.datatypes=false it leaves such columns out of before/after (and key). Seen by
 * test/integration/compat; the array list is PostgresValueConverter's (arrays it does not name
 * there have no schema either).
 */
const DROPPED_TYPES: ReadonlySet<number> = new Set([
  601, 602, 603, 604, 628, 718, // lseg, path, box, polygon, line, circle
  3615, Oid.pg_lsn, // tsquery, pg_lsn
  4451, 4532, 4533, 4534, 4535, 4536, // multiranges
]);
const SUPPORTED_ARRAYS: ReadonlySet<number> = new Set([
  1005, 1007, 1016, 1028, // int2, int4, int8, oid
  1002, 1015, 1009, 1014, 1041, 651, 1040, 775, // "char", varchar, text, bpchar, inet, cidr, macaddr, macaddr8
  3909, 3911, 3913, 3905, 3907, 3927, // tsrange, tstzrange, daterange, int4range, numrange, int8range
  1231, 1021, 1022, 1000, 1182, 2951, 3807, 199, // numeric, float4, float8, bool, date, uuid, jsonb, json
  1183, 1270, 1115, 1185, 1001, // time, timetz, timestamp, timestamptz, bytea
]);

/** Whether Debezium leaves a column of this type out of its records. */
export function isDroppedType(typeOid: number, userTypes?: UserTypes): boolean {
  if (DROPPED_TYPES.has(typeOid)) return true;
  if (ARRAY_ELEMENT.has(typeOid)) return !SUPPORTED_ARRAYS.has(typeOid);
  return userTypes?.has(typeOid) === true && userTypeConverter(typeOid, DROP_PROBE_OPTIONS, userTypes) === null;
}

/** Whether a user type is dropped does not depend on the handling modes. */
const DROP_PROBE_OPTIONS: ValueOptions = { decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric' };

/** Debezium's default unavailable.value.placeholder. */
export const UNAVAILABLE_VALUE_PLACEHOLDER = '__debezium_unavailable_value';

/**
 * What an unchanged TOASTed value the server did not send becomes: Debezium's
 * unavailable.value.placeholder in the shape its UnchangedToastedPlaceholder gives each type —
 * the string for scalars; its UTF-8 bytes for bytea (under binary.handling.mode); for int4[],
 * date[] and int8[] the list of those bytes as numbers; for text-like, json(b) and bytea arrays a
 * one-element array of the element's placeholder; for uuid[] the name-based (v3) UUID of the
 * bytes; for hstore an object mapping the placeholder to itself (as Json text, or under
 * hstore.handling.mode=map the map itself); for other arrays null
 * (Debezium cannot read the placeholder string as one: seen for numeric[], float8[],
 * timestamptz[]).
 */
export function unavailablePlaceholder(typeOid: number, options: ValueOptions, userTypes?: UserTypes): JsonValue {
  const bytes = Buffer.from(UNAVAILABLE_VALUE_PLACEHOLDER, 'utf8');
  switch (typeOid) {
    case Oid.bytea:
      return encodeBinary(bytes, options.binaryHandling);
    case 1007: // int4[]
    case 1182: // date[]
    case 1016: // int8[]
      return [...bytes];
    case 1009: // text[]
    case 1015: // varchar[]
    case 1014: // bpchar[]
    case 199: // json[]
    case 3807: // jsonb[]
      return [UNAVAILABLE_VALUE_PLACEHOLDER];
    case 1001: // bytea[]
      return [encodeBinary(bytes, options.binaryHandling)];
    case 2951: // uuid[]
      return [nameUuidFromBytes(bytes)];
    default:
      break;
  }
  const user = userTypes?.get(typeOid);
  if (user?.name === 'hstore') {
    const map = { [UNAVAILABLE_VALUE_PLACEHOLDER]: UNAVAILABLE_VALUE_PLACEHOLDER };
    return options.hstoreHandling === 'map' ? map : JSON.stringify(map);
  }
  if (ARRAY_ELEMENT.has(typeOid) || (user !== undefined && user.kind === 'b' && user.elementOid !== 0)) return null;
  return UNAVAILABLE_VALUE_PLACEHOLDER;
}

/** java.util.UUID.nameUUIDFromBytes: MD5 of the bytes, version 3, IETF variant. */
function nameUuidFromBytes(bytes: Buffer): string {
  const h = createHash('md5').update(bytes).digest();
  h[6] = (h[6]! & 0x0f) | 0x30;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * What Debezium puts in a NOT NULL column it has no value for: the non-key columns of `before`
 * in a delete (or key change) under REPLICA IDENTITY DEFAULT, where the server sends the key
 * only. Values as Debezium 3.6.1 wrote them (test/integration/compat); undefined for a type
 * whose fallback we have not seen, which then stays null.
 */
export function notNullFallback(typeOid: number, typeMod: number, options: ValueOptions, userTypes?: UserTypes): JsonValue | undefined {
  // hstore: PostgresValueConverter's fallback is "{}" (json) or an empty map (map).
  if (userTypes?.get(typeOid)?.name === 'hstore') return options.hstoreHandling === 'map' ? {} : '{}';
  switch (typeOid) {
    case Oid.bool:
      return false;
    case Oid.int2:
    case Oid.int4:
    case Oid.int8:
    case Oid.oid:
    case Oid.date:
    case Oid.timestamp:
      return 0;
    case Oid.text:
    case Oid.varchar:
    case Oid.bpchar:
      return '';
    case Oid.timestamptz:
      return '1970-01-01T00:00:00Z';
    case Oid.bytea:
      return encodeBinary(Buffer.alloc(0), options.binaryHandling);
    case Oid.numeric:
      return options.decimalHandling === 'precise' && typeMod >= 4 ? makeNumericConverter(typeMod, 'precise')('0') : undefined;
    default:
      return undefined;
  }
}

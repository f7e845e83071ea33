/**
 * The Kafka Connect schema Debezium 3.6.1 gives a PostgreSQL column (PostgresValueConverter's
 * schemaBuilder), under the handling modes, for the values makeConverter writes (their JSON
 * forms agree with these schemas). Checked against Debezium in test/integration/compat
 * (schemas.test.ts):
 *
 *   bool, bit(1) -> boolean; int2 int16; int4 int32; int8, oid, xid, xid8 int64;
 *   float4 float32; float8 float64
 *   numeric      precise: Decimal(scale, precision) with a declared scale, else
 *                io.debezium.data.VariableScaleDecimal {scale, value}; double float64; string
 *   money        precise: Decimal(scale 2); double float64; string
 *   bit(n>1), varbit -> io.debezium.data.Bits (bytes, length n; varbit unconstrained 2^31-1)
 *   date         io.debezium.time.Date | connect Date | isostring io.debezium.time.IsoDate
 *   time(p)      adaptive: Time (p <= 3) or MicroTime; adaptive_time_microseconds MicroTime;
 *                connect Time; isostring IsoTime
 *   timestamp(p) adaptive(_time_microseconds): Timestamp (p <= 3) or MicroTimestamp; connect
 *                Timestamp; isostring IsoTimestamp
 *   timetz ZonedTime, timestamptz ZonedTimestamp, interval MicroDuration | Interval (string)
 *   uuid Uuid, json/jsonb Json, xml Xml, tsvector Tsvector, ltree Ltree, hstore Json (map mode:
 *   map of string to optional string, no name),
 *   point io.debezium.data.geometry.Point {x, y, wkb, srid}, enum Enum {allowed},
 *   domains as their base type, arrays ARRAY of the element (items optional; enum items not)
 *   bytea        bytes, or string under binary.handling.mode base64 / base64-url-safe / hex
 *   everything else (text types, inet, cidr, macaddr, ranges, citext, PostGIS text) string
 */
import type { UserTypes } from '../model/user-types';
import type { ValueOptions } from './values';
import { ARRAY_ELEMENT, Oid } from './values';
import { numericScale } from './values/numeric';
import { precisionOf } from './values/temporal';
import type { ConnectSchema } from './connect-schema';

const named = (type: ConnectSchema['type'] & ('int32' | 'int64' | 'string' | 'bytes'), name: string, optional: boolean): ConnectSchema =>
  ({ type, optional, name, version: 1 });

const VARIABLE_SCALE_DECIMAL = (optional: boolean): ConnectSchema => ({
  type: 'struct', optional, name: 'io.debezium.data.VariableScaleDecimal', version: 1, doc: 'Variable scaled decimal',
  fields: [
    { name: 'scale', schema: { type: 'int32', optional: false } },
    { name: 'value', schema: { type: 'bytes', optional: false } },
  ],
});

const POINT = (optional: boolean): ConnectSchema => ({
  type: 'struct', optional, name: 'io.debezium.data.geometry.Point', version: 1, doc: 'Geometry (POINT)',
  fields: [
    { name: 'x', schema: { type: 'float64', optional: false } },
    { name: 'y', schema: { type: 'float64', optional: false } },
    { name: 'wkb', schema: { type: 'bytes', optional: true } },
    { name: 'srid', schema: { type: 'int32', optional: true } },
  ],
});

function decimal(scale: number, precision: number | null, optional: boolean): ConnectSchema {
  const parameters: Record<string, string> = { scale: String(scale) };
  if (precision !== null) parameters['connect.decimal.precision'] = String(precision);
  return { type: 'bytes', optional, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters };
}

/** decimal.handling.mode double or string (numeric and money alike); null for precise. */
function decimalModeSchema(options: ValueOptions, optional: boolean): ConnectSchema | null {
  if (options.decimalHandling === 'double') return { type: 'float64', optional };
  if (options.decimalHandling === 'string') return { type: 'string', optional };
  return null;
}

/** numeric atttypmod: ((precision << 16) | scale) + 4; below 4: unconstrained. */
function numericSchema(typeMod: number, options: ValueOptions, optional: boolean): ConnectSchema {
  const mode = decimalModeSchema(options, optional);
  if (mode) return mode;
  if (typeMod < 4) return VARIABLE_SCALE_DECIMAL(optional);
  const precision = ((typeMod - 4) >> 16) & 0xffff;
  return decimal(numericScale(typeMod)!, precision, optional);
}

function temporalSchema(typeOid: number, typeMod: number, options: ValueOptions, optional: boolean): ConnectSchema {
  const mode = options.timePrecision;
  switch (typeOid) {
    case Oid.date:
      if (mode === 'connect') return named('int32', 'org.apache.kafka.connect.data.Date', optional);
      if (mode === 'isostring') return named('string', 'io.debezium.time.IsoDate', optional);
      return named('int32', 'io.debezium.time.Date', optional);
    case Oid.time:
      if (mode === 'connect') return named('int32', 'org.apache.kafka.connect.data.Time', optional);
      if (mode === 'isostring') return named('string', 'io.debezium.time.IsoTime', optional);
      if (mode === 'adaptive' && precisionOf(typeMod) <= 3) return named('int32', 'io.debezium.time.Time', optional);
      return named('int64', 'io.debezium.time.MicroTime', optional);
    default: // timestamp
      if (mode === 'connect') return named('int64', 'org.apache.kafka.connect.data.Timestamp', optional);
      if (mode === 'isostring') return named('string', 'io.debezium.time.IsoTimestamp', optional);
      if (precisionOf(typeMod) <= 3) return named('int64', 'io.debezium.time.Timestamp', optional);
      return named('int64', 'io.debezium.time.MicroTimestamp', optional);
  }
}

/**
 * The schema of a column of type `typeOid(typeMod)`. Types Debezium leaves out of its records
 * (isDroppedType) never reach here: row.ts does not write them.
 */
export function columnSchema(typeOid: number, typeMod: number, optional: boolean, options: ValueOptions, userTypes?: UserTypes): ConnectSchema {
  switch (typeOid) {
    case Oid.bool:
      return { type: 'boolean', optional };
    case Oid.int2:
      return { type: 'int16', optional };
    case Oid.int4:
    case Oid.cid:
      return { type: 'int32', optional };
    case Oid.int8:
    case Oid.oid:
    case Oid.xid:
    case Oid.xid8:
      return { type: 'int64', optional };
    case Oid.float4:
      return { type: 'float32', optional };
    case Oid.float8:
      return { type: 'float64', optional };
    case Oid.numeric:
      return numericSchema(typeMod, options, optional);
    case Oid.money:
      return decimalModeSchema(options, optional) ?? decimal(2, null, optional);
    case Oid.bytea:
      return { type: options.binaryHandling === 'bytes' ? 'bytes' : 'string', optional };
    case Oid.bit:
    case Oid.varbit:
      if (typeOid === Oid.bit && typeMod === 1) return { type: 'boolean', optional };
      return { ...named('bytes', 'io.debezium.data.Bits', optional), parameters: { length: String(typeMod < 0 ? 2147483647 : typeMod) } };
    case Oid.date:
    case Oid.time:
    case Oid.timestamp:
      return temporalSchema(typeOid, typeMod, options, optional);
    case Oid.timetz:
      return named('string', 'io.debezium.time.ZonedTime', optional);
    case Oid.timestamptz:
      return named('string', 'io.debezium.time.ZonedTimestamp', optional);
    case Oid.interval:
      return options.intervalHandling === 'string'
        ? named('string', 'io.debezium.time.Interval', optional)
        : named('int64', 'io.debezium.time.MicroDuration', optional);
    case Oid.uuid:
      return named('string', 'io.debezium.data.Uuid', optional);
    case Oid.json:
    case Oid.jsonb:
      return named('string', 'io.debezium.data.Json', optional);
    case Oid.xml:
      return named('string', 'io.debezium.data.Xml', optional);
    case TSVECTOR:
      return named('string', 'io.debezium.data.Tsvector', optional);
    case Oid.point:
      return POINT(optional);
    default: {
      const element = ARRAY_ELEMENT.get(typeOid);
      if (element !== undefined) return { type: 'array', optional, items: columnSchema(element, -1, true, options, userTypes) };
      return userTypeSchema(typeOid, optional, options, userTypes);
    }
  }
}

const TSVECTOR = 3614;

function userTypeSchema(typeOid: number, optional: boolean, options: ValueOptions, userTypes: UserTypes | undefined): ConnectSchema {
  const t = userTypes?.get(typeOid);
  if (t === undefined) return { type: 'string', optional };
  if (t.kind === 'd') return columnSchema(t.baseOid, t.baseTypeMod, optional, options, userTypes);
  if (t.kind === 'e') {
    const enumSchema = named('string', 'io.debezium.data.Enum', optional);
    return t.labels === undefined ? enumSchema : { ...enumSchema, parameters: { allowed: t.labels.join(',') } };
  }
  if (t.name === 'hstore') {
    return options.hstoreHandling === 'map'
      ? { type: 'map', optional, keys: { type: 'string', optional: false }, values: { type: 'string', optional: true } }
      : named('string', 'io.debezium.data.Json', optional);
  }
  if (t.name === 'ltree') return named('string', 'io.debezium.data.Ltree', optional);
  if (t.kind === 'b' && t.elementOid !== 0) {
    const element = userTypes?.get(t.elementOid);
    // Debezium builds the items of an enum array as required (its enum schema builder), others optional.
    const items = userTypeSchema(t.elementOid, element?.kind !== 'e', options, userTypes);
    return { type: 'array', optional, items };
  }
  return { type: 'string', optional };
}

/**
 * Kafka Connect schema (the envelope stage's model, connector/envelope/connect-schema.ts) ->
 * Avro schema, as Confluent's AvroConverter (AvroData.fromConnectSchema,
 * default settings: connect.meta.data on, enhanced Avro schema support off) converts the schemas
 * Debezium builds. What Debezium + AvroConverter register, and this reproduces:
 * - a struct is a record; its Connect name `p.public.t.Value` splits at the last dot into
 *   namespace `p.public.t` and name `Value` (no name: io.confluent.connect.avro.ConnectDefault);
 * - an optional schema is the union ["null", T] with field default null; an optional schema with
 *   a default is [T, "null"] with that default;
 * - Connect metadata rides as properties: `connect.doc`, `connect.version`, `connect.parameters`,
 *   `connect.default`, `connect.name`, and `connect.type` int8/int16 (Avro has only int);
 * - Connect's logical types get Avro's: Decimal -> bytes `decimal` (precision from the
 *   `connect.decimal.precision` parameter, else 64), Date -> int `date`, Time -> int
 *   `time-millis`, Timestamp -> long `timestamp-millis`. Debezium's own semantic types
 *   (io.debezium.time.MicroTimestamp, io.debezium.data.Json, ...) are plain types with their
 *   `connect.name`;
 * - a named schema seen a second time (Envelope's before/after share Value) is referenced by
 *   name, the short name when its namespace is the enclosing one, as Avro's writer prints it;
 * - a map with string keys is an Avro map; other keys: an array of MapEntry {key, value} records.
 * Properties appear in the order Avro's Java writer prints them, so the registered text matches
 * Debezium's.
 */
import type { ConnectMapSchema, ConnectSchema, ConnectStructSchema } from '../../../envelope/connect-schema';
import { DATE, DECIMAL, TIME, TIMESTAMP } from './connect-schema-json';

/** An Avro schema as JSON (a type name, a union, or a complex type object). */
export type AvroSchema = string | readonly AvroSchema[] | { readonly [k: string]: unknown };

const DEFAULT_NAMESPACE = 'io.confluent.connect.avro';
const DEFAULT_NAME = 'ConnectDefault';
/** Confluent AvroData's precision when the Decimal schema does not carry one. */
const DEFAULT_DECIMAL_PRECISION = 64;

const PRIMITIVE: Readonly<Record<string, string>> = {
  int8: 'int', int16: 'int', int32: 'int', int64: 'long', float32: 'float', float64: 'double',
  boolean: 'boolean', string: 'string', bytes: 'bytes',
};

interface Context {
  /** Full names of records (and MapEntry records) already defined. */
  readonly defined: Set<string>;
  mapEntries: number;
}

/** The Avro schema of a Connect schema (the top-level one: a key or a value). */
export function avroSchemaOf(schema: ConnectSchema): AvroSchema {
  return convert(schema, { defined: new Set(), mapEntries: 0 }, null);
}

function convert(schema: ConnectSchema, ctx: Context, enclosingNs: string | null): AvroSchema {
  const base = baseSchema(schema, ctx, enclosingNs);
  if (!schema.optional) return base;
  return schema.defaultValue !== undefined && schema.defaultValue !== null ? [base, 'null'] : ['null', base];
}

function baseSchema(schema: ConnectSchema, ctx: Context, enclosingNs: string | null): AvroSchema {
  if (schema.type === 'struct') return recordSchema(schema, ctx, enclosingNs);
  const out: Record<string, unknown> = {};
  switch (schema.type) {
    case 'array':
      out.type = 'array';
      out.items = convert(schema.items, ctx, enclosingNs);
      break;
    case 'map':
      if (schema.keys.type === 'string' && !schema.keys.optional) {
        out.type = 'map';
        out.values = convert(schema.values, ctx, enclosingNs);
      } else {
        out.type = 'array';
        out.items = mapEntrySchema(schema, ctx, enclosingNs);
      }
      break;
    default:
      out.type = PRIMITIVE[schema.type];
      if (schema.type === 'bytes' && schema.name === DECIMAL) {
        out.scale = Number(schema.parameters?.scale ?? 0);
        const precision = schema.parameters?.['connect.decimal.precision'];
        out.precision = precision === undefined ? DEFAULT_DECIMAL_PRECISION : Number(precision);
      }
  }
  addConnectMeta(out, schema);
  if (schema.type === 'int8' || schema.type === 'int16') out['connect.type'] = schema.type;
  const logical = logicalTypeOf(schema);
  if (logical !== undefined) out.logicalType = logical;
  // A primitive without properties prints as its bare name.
  return Object.keys(out).length === 1 && typeof out.type === 'string' ? out.type : out;
}

function logicalTypeOf(schema: ConnectSchema): string | undefined {
  switch (schema.name) {
    case DECIMAL: return schema.type === 'bytes' ? 'decimal' : undefined;
    case DATE: return schema.type === 'int32' ? 'date' : undefined;
    case TIME: return schema.type === 'int32' ? 'time-millis' : undefined;
    case TIMESTAMP: return schema.type === 'int64' ? 'timestamp-millis' : undefined;
    default: return undefined;
  }
}

function addConnectMeta(out: Record<string, unknown>, schema: ConnectSchema): void {
  if (schema.doc !== undefined) out['connect.doc'] = schema.doc;
  if (schema.version !== undefined) out['connect.version'] = schema.version;
  if (schema.parameters !== undefined) out['connect.parameters'] = schema.parameters;
  if (schema.defaultValue !== undefined && schema.defaultValue !== null) out['connect.default'] = avroDefault(schema, schema.defaultValue);
  if (schema.name !== undefined) out['connect.name'] = schema.name;
}

function splitName(fullName: string): { namespace: string | null; name: string } {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? { namespace: null, name: fullName } : { namespace: fullName.slice(0, dot), name: fullName.slice(dot + 1) };
}

/** A reference to an already defined record, as Avro's writer prints it. */
function reference(namespace: string | null, name: string, enclosingNs: string | null): string {
  return namespace === enclosingNs || namespace === null ? name : `${namespace}.${name}`;
}

function recordSchema(schema: ConnectStructSchema, ctx: Context, enclosingNs: string | null): AvroSchema {
  const fullName = schema.name ?? `${DEFAULT_NAMESPACE}.${DEFAULT_NAME}`;
  const { namespace, name } = splitName(fullName);
  if (ctx.defined.has(fullName)) return reference(namespace, name, enclosingNs);
  ctx.defined.add(fullName);
  const out: Record<string, unknown> = { type: 'record', name };
  if (namespace !== enclosingNs && namespace !== null) out.namespace = namespace;
  if (schema.doc !== undefined) out.doc = schema.doc;
  out.fields = schema.fields.map(({ name: fieldName, schema: f }) => {
    const field: Record<string, unknown> = { name: fieldName, type: convert(f, ctx, namespace) };
    if (f.doc !== undefined) field.doc = f.doc;
    if (f.defaultValue !== undefined && f.defaultValue !== null) field.default = avroDefault(f, f.defaultValue);
    else if (f.optional) field.default = null;
    return field;
  });
  // A struct's doc is the record's doc, not a property; the rest as for any schema.
  addConnectMeta(out, { ...schema, doc: undefined });
  return out;
}

function mapEntrySchema(schema: ConnectMapSchema, ctx: Context, enclosingNs: string | null): AvroSchema {
  ctx.mapEntries += 1;
  const name = ctx.mapEntries === 1 ? 'MapEntry' : `MapEntry${ctx.mapEntries}`;
  ctx.defined.add(`${DEFAULT_NAMESPACE}.${name}`);
  const out: Record<string, unknown> = { type: 'record', name };
  if (enclosingNs !== DEFAULT_NAMESPACE) out.namespace = DEFAULT_NAMESPACE;
  out.fields = [
    { name: 'key', type: convert(schema.keys, ctx, DEFAULT_NAMESPACE) },
    { name: 'value', type: convert(schema.values, ctx, DEFAULT_NAMESPACE) },
  ];
  return out;
}

/**
 * A Connect default (JSON converter form) as an Avro JSON default: bytes are base64 in Connect's
 * JSON and a string of code points 0-255 in Avro's.
 */
function avroDefault(schema: ConnectSchema, value: unknown): unknown {
  if (schema.type === 'bytes' && typeof value === 'string') return Buffer.from(value, 'base64').toString('latin1');
  return value;
}

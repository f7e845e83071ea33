/**
 * Kafka Connect schemas: a typed model (what Connect's `Schema` holds), Debezium 3.6.1's schemas
 * of a captured table (key, value, envelope), built once per relation, and their JSON rendering
 * as Kafka Connect's JsonConverter writes it with `schemas.enable=true`.
 *
 * The model is the contract other formats derive from (an Avro schema is derived from it the way
 * Confluent's AvroData does): keep it stable. Types carry Connect's names (`float32`, not the
 * JsonConverter's `float`); the rendering maps them.
 *
 * JsonConverter's member order (asJsonSchema): type, then fields | items | keys, values, then
 * optional, name, version, doc, parameters, default; a struct member adds `field` last.
 */
import type { Relation } from '../model/change';
import type { UserTypes } from '../model/user-types';
import type { ValueOptions } from './values';
import { columnSchema } from './column-schema';
import { ENVELOPE_VERSION, SOURCE_SCHEMA, TRANSACTION_BLOCK_SCHEMA } from './debezium-schemas';
import { quoteJson, toJson, type JsonValue } from './json';

/** Connect's primitive types (org.apache.kafka.connect.data.Schema.Type, lower case). */
export type ConnectPrimitiveType = 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'boolean' | 'string' | 'bytes';

export type ConnectType = ConnectPrimitiveType | 'array' | 'map' | 'struct';

interface SchemaCommon {
  readonly optional: boolean;
  /** Logical or record name: `io.debezium.time.Date`, `<topic>.Value`, ... */
  readonly name?: string;
  readonly version?: number;
  readonly doc?: string;
  /** e.g. Decimal's `scale` and `connect.decimal.precision`, Enum's `allowed`. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** The default value in its JSON form (as JsonConverter writes it); absent when none. */
  readonly defaultValue?: JsonValue;
}

export interface ConnectPrimitiveSchema extends SchemaCommon {
  readonly type: ConnectPrimitiveType;
}

export interface ConnectField {
  readonly name: string;
  readonly schema: ConnectSchema;
}

export interface ConnectStructSchema extends SchemaCommon {
  readonly type: 'struct';
  readonly fields: readonly ConnectField[];
}

export interface ConnectArraySchema extends SchemaCommon {
  readonly type: 'array';
  readonly items: ConnectSchema;
}

export interface ConnectMapSchema extends SchemaCommon {
  readonly type: 'map';
  readonly keys: ConnectSchema;
  readonly values: ConnectSchema;
}

export type ConnectSchema = ConnectPrimitiveSchema | ConnectStructSchema | ConnectArraySchema | ConnectMapSchema;

/** JsonConverter's type names differ from Connect's for the floats only. */
const JSON_TYPE: Readonly<Record<ConnectType, string>> = {
  int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64', float32: 'float', float64: 'double',
  boolean: 'boolean', string: 'string', bytes: 'bytes', array: 'array', map: 'map', struct: 'struct',
};

/** The schema as JsonConverter writes it (schemas.enable=true), compact JSON text. */
export function renderSchema(schema: ConnectSchema): string {
  return renderMembers(schema, '');
}

function renderMembers(s: ConnectSchema, extra: string): string {
  let out = `{"type":"${JSON_TYPE[s.type]}"`;
  switch (s.type) {
    case 'struct':
      out += `,"fields":[${s.fields.map((f) => renderMembers(f.schema, `,"field":${quoteJson(f.name)}`)).join(',')}]`;
      break;
    case 'array':
      out += `,"items":${renderSchema(s.items)}`;
      break;
    case 'map':
      out += `,"keys":${renderSchema(s.keys)},"values":${renderSchema(s.values)}`;
      break;
    default:
      break;
  }
  out += `,"optional":${s.optional}`;
  if (s.name !== undefined) out += `,"name":${quoteJson(s.name)}`;
  if (s.version !== undefined) out += `,"version":${s.version}`;
  if (s.doc !== undefined) out += `,"doc":${quoteJson(s.doc)}`;
  if (s.parameters !== undefined) {
    out += `,"parameters":{${Object.entries(s.parameters).map(([k, v]) => `${quoteJson(k)}:${quoteJson(v)}`).join(',')}}`;
  }
  if (s.defaultValue !== undefined && s.defaultValue !== null) out += `,"default":${toJson(s.defaultValue)}`;
  return out + extra + '}';
}

/** `{"schema":<schema>,"payload":<payload>}`: JsonConverter's envelope, from JSON texts. */
export function withSchema(schemaJson: string, payloadJson: string): string {
  return `{"schema":${schemaJson},"payload":${payloadJson}}`;
}

/** What the table schemas depend on besides the relation. */
export interface TableSchemaContext {
  readonly options: ValueOptions;
  readonly userTypes?: UserTypes;
  /** NOT NULL columns of the table (pg_attribute.attnotnull); unknown: key columns only. */
  readonly notNull?: ReadonlySet<string>;
  /** Column defaults in their JSON form, for the columns whose default Debezium reads. */
  readonly defaults?: ReadonlyMap<string, JsonValue>;
  /**
   * Schema parameters column mappers add, value fields only (Debezium maps no key column):
   * `masked: "true"` (mask, hash), `truncateLength: "N"` (truncate).
   */
  readonly valueParameters?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** schema.name.adjustment.mode applied to the record names (schema-name.ts); absent: names as they are. */
  readonly adjustName?: (name: string) => string;
}

/** Debezium's schemas of one captured table; `key` is null for a table without key columns. */
export interface TableSchemas {
  readonly key: ConnectStructSchema | null;
  /** `<topic>.Value`: the row (before/after), optional. */
  readonly value: ConnectStructSchema;
  /** `<topic>.Envelope`, version 2: before, after, source, transaction, op, ts_ms, ts_us, ts_ns. */
  readonly envelope: ConnectStructSchema;
}

/**
 * The schemas of a table whose records name it `topic` (`<prefix>.<schema>.<table>`, Debezium's
 * record name too). `keyIndexes` and `valueIndexes` are the columns in the key and in
 * before/after (after column controls and types Debezium leaves out, see row.ts).
 */
export function tableSchemas(
  relation: Relation, topic: string, keyIndexes: readonly number[], valueIndexes: readonly number[], ctx: TableSchemaContext,
): TableSchemas {
  const field = (i: number, inValue: boolean): ConnectField => {
    const c = relation.columns[i]!;
    const optional = ctx.notNull === undefined ? !c.isKey : !ctx.notNull.has(c.name);
    let schema = columnSchema(c.typeOid, c.typeMod, optional, ctx.options, ctx.userTypes);
    const def = ctx.defaults?.get(c.name);
    if (def !== undefined) schema = { ...schema, defaultValue: def };
    const extra = inValue ? ctx.valueParameters?.get(c.name) : undefined;
    if (extra !== undefined) schema = { ...schema, parameters: { ...schema.parameters, ...extra } };
    return { name: c.name, schema };
  };
  const named = ctx.adjustName ?? ((n: string) => n);
  const key: ConnectStructSchema | null = keyIndexes.length === 0
    ? null
    : { type: 'struct', optional: false, name: named(`${topic}.Key`), fields: keyIndexes.map((i) => field(i, false)) };
  const value: ConnectStructSchema = { type: 'struct', optional: true, name: named(`${topic}.Value`), fields: valueIndexes.map((i) => field(i, true)) };
  const int64 = (name: string): ConnectField => ({ name, schema: { type: 'int64', optional: true } });
  const envelope: ConnectStructSchema = {
    type: 'struct', optional: false, name: named(`${topic}.Envelope`), version: ENVELOPE_VERSION,
    fields: [
      { name: 'before', schema: value },
      { name: 'after', schema: value },
      { name: 'source', schema: SOURCE_SCHEMA },
      { name: 'transaction', schema: TRANSACTION_BLOCK_SCHEMA },
      { name: 'op', schema: { type: 'string', optional: false } },
      int64('ts_ms'), int64('ts_us'), int64('ts_ns'),
    ],
  };
  return { key, value, envelope };
}

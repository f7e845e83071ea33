/**
 * Reads a Kafka Connect schema back from its JsonConverter JSON form (what the envelope stage
 * writes with envelope.schemas, connector/envelope/connect-schema.ts renderSchema) into the
 * envelope's typed model, the one model the Avro schema is derived from. The inverse of
 * renderSchema: `float`/`double` -> float32/float64, `default` -> defaultValue, a struct
 * member's `field` -> ConnectField.name. Checks the shape on the way (a wrong shape fails here
 * with its path, not deep in the Avro encoder), listing every problem.
 */
import type { ConnectField, ConnectSchema, ConnectType } from '../../../envelope/connect-schema';
import type { JsonValue } from '../../../envelope/json';

/** Connect's logical type names that Avro has a logical type for. */
export const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
export const DATE = 'org.apache.kafka.connect.data.Date';
export const TIME = 'org.apache.kafka.connect.data.Time';
export const TIMESTAMP = 'org.apache.kafka.connect.data.Timestamp';

const FROM_JSON_TYPE: Readonly<Record<string, ConnectType>> = {
  int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64', float: 'float32', double: 'float64',
  boolean: 'boolean', string: 'string', bytes: 'bytes', array: 'array', map: 'map', struct: 'struct',
};

export function parseConnectSchema(json: unknown): ConnectSchema {
  const problems: string[] = [];
  const schema = read(json, '$', problems);
  if (problems.length > 0 || schema === undefined) throw new TypeError(`not a Kafka Connect schema: ${problems.join('; ')}`);
  return schema;
}

type Obj = Record<string, unknown>;

function read(v: unknown, path: string, problems: string[]): ConnectSchema | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.push(`${path}: not an object`);
    return undefined;
  }
  const s = v as Obj;
  const type = typeof s.type === 'string' ? FROM_JSON_TYPE[s.type] : undefined;
  if (type === undefined) {
    problems.push(`${path}.type: ${JSON.stringify(s.type)} is not a Connect type`);
    return undefined;
  }
  const common = {
    optional: s.optional === true,
    ...(typeof s.name === 'string' && { name: s.name }),
    ...(typeof s.version === 'number' && { version: s.version }),
    ...(typeof s.doc === 'string' && { doc: s.doc }),
    ...(typeof s.parameters === 'object' && s.parameters !== null && { parameters: s.parameters as Record<string, string> }),
    ...(s.default !== undefined && s.default !== null && { defaultValue: s.default as JsonValue }),
  };
  switch (type) {
    case 'struct': {
      if (!Array.isArray(s.fields)) {
        problems.push(`${path}.fields: missing`);
        return undefined;
      }
      const fields: ConnectField[] = [];
      s.fields.forEach((f: unknown, i) => {
        const name = (f as Obj | null)?.field;
        if (typeof name !== 'string') problems.push(`${path}.fields[${i}].field: missing`);
        const schema = read(f, `${path}.${typeof name === 'string' ? name : `fields[${i}]`}`, problems);
        if (typeof name === 'string' && schema !== undefined) fields.push({ name, schema });
      });
      return { type, ...common, fields };
    }
    case 'array': {
      const items = read(s.items, `${path}.items`, problems);
      return items === undefined ? undefined : { type, ...common, items };
    }
    case 'map': {
      const keys = read(s.keys, `${path}.keys`, problems);
      const values = read(s.values, `${path}.values`, problems);
      return keys === undefined || values === undefined ? undefined : { type, ...common, keys, values };
    }
    default:
      return { type, ...common };
  }
}

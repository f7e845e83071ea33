/**
 * A Kafka Connect schema in the JSON form Kafka's JsonConverter writes (`schemas.enable=true`):
 * `{"type":"struct","optional":false,"name":"p.public.t.Envelope","version":2,"fields":[
 * {"type":"int32","optional":false,"field":"id"}, ...]}`.
 *
 * The Avro serializer reads the schema that the envelope stage already wrote beside each
 * payload (`{"schema":..,"payload":..}`), so there is one Connect schema model (the envelope's)
 * and this file only types its JSON form.
 */
export type ConnectType =
  | 'int8' | 'int16' | 'int32' | 'int64' | 'float' | 'double' | 'boolean' | 'string' | 'bytes'
  | 'array' | 'map' | 'struct';

export interface ConnectSchema {
  readonly type: ConnectType;
  readonly optional?: boolean;
  readonly name?: string;
  readonly version?: number;
  readonly doc?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  /** The default in the JSON converter's payload form (bytes base64, int64 a number). */
  readonly default?: unknown;
  readonly fields?: readonly ConnectField[];
  readonly items?: ConnectSchema;
  readonly keys?: ConnectSchema;
  readonly values?: ConnectSchema;
}

export interface ConnectField extends ConnectSchema {
  readonly field: string;
}

const TYPES: ReadonlySet<string> = new Set<ConnectType>([
  'int8', 'int16', 'int32', 'int64', 'float', 'double', 'boolean', 'string', 'bytes', 'array', 'map', 'struct',
]);

/** Connect's logical type names that Avro has a logical type for. */
export const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
export const DATE = 'org.apache.kafka.connect.data.Date';
export const TIME = 'org.apache.kafka.connect.data.Time';
export const TIMESTAMP = 'org.apache.kafka.connect.data.Timestamp';

/**
 * Checks the shape of a parsed schema (it came from our own envelope stage, but a wrong shape
 * must fail here with its path, not deep in the Avro encoder).
 */
export function asConnectSchema(value: unknown, path = '$'): ConnectSchema {
  const problems: string[] = [];
  check(value, path, problems);
  if (problems.length > 0) throw new TypeError(`not a Kafka Connect schema: ${problems.join('; ')}`);
  return value as ConnectSchema;
}

function check(v: unknown, path: string, problems: string[]): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.push(`${path}: not an object`);
    return;
  }
  const s = v as Record<string, unknown>;
  if (typeof s.type !== 'string' || !TYPES.has(s.type)) {
    problems.push(`${path}.type: ${JSON.stringify(s.type)} is not a Connect type`);
    return;
  }
  if (s.type === 'struct') {
    if (!Array.isArray(s.fields)) problems.push(`${path}.fields: missing`);
    else s.fields.forEach((f: unknown, i) => {
      const name = (f as Record<string, unknown> | null)?.field;
      if (typeof name !== 'string') problems.push(`${path}.fields[${i}].field: missing`);
      check(f, `${path}.${typeof name === 'string' ? name : `fields[${i}]`}`, problems);
    });
  } else if (s.type === 'array') {
    check(s.items, `${path}.items`, problems);
  } else if (s.type === 'map') {
    check(s.keys, `${path}.keys`, problems);
    check(s.values, `${path}.values`, problems);
  }
}

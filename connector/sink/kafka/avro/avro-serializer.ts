/**
 * Record keys and values -> Avro in the Confluent wire format, as Debezium with Confluent's
 * AvroConverter writes them:
 *
 *   byte 0      magic 0x00
 *   bytes 1-4   schema id, int32 big-endian, as the registry assigned it
 *   bytes 5-    the Avro binary encoding of the datum (no container, no schema)
 *
 * Input: records whose key and value are Kafka Connect JSON with schemas
 * (`{"schema":<Connect schema>,"payload":<value>}`, what the envelope stage writes with
 * schemas on). Subjects follow TopicNameStrategy: `<topic>-key` and `<topic>-value`. A record
 * whose Connect schema changed (a Relation message added, dropped or retyped a column) gets a
 * new Avro schema, registered as the subject's next version before the record is sent. A null
 * key or value (tombstone) stays null.
 *
 * Compiled schemas are cached by their Connect schema text, registered ids per compiled schema
 * and subject (on top of the registry client's own cache), so the steady state is one string
 * lookup and one Avro encoding per key and value.
 */
import { ConnectorError } from '../../../errors';
import type { SinkRecord } from '../../../model/record';
import { parseConnectSchema } from './connect-schema-json';
import { compileCodec, parsePayload, type AvroCodec } from './avro-codec';
import type { SchemaRegistry } from './registry';

export const MAGIC_BYTE = 0;

/** Turns each record's key and value into the bytes the broker stores. */
export type RecordSerializer = (records: readonly SinkRecord[]) => Promise<readonly SinkRecord[]>;

/** Most distinct Connect schemas kept compiled (with their ids); beyond it the oldest go. */
const MAX_CACHED = 1_000;

const HEAD = '{"schema":';
const PAYLOAD = ',"payload":';
const HEAD_BYTES = Buffer.from(HEAD);
const PAYLOAD_BYTES = Buffer.from(PAYLOAD);

export function avroSerializer(registry: SchemaRegistry): RecordSerializer {
  const codecs = new Map<string, AvroCodec>();

  const codecOf = (schemaText: string, schema: unknown): AvroCodec => {
    let codec = codecs.get(schemaText);
    if (codec === undefined) {
      codec = compileCodec(parseConnectSchema(schema));
      if (codecs.size >= MAX_CACHED) codecs.delete(codecs.keys().next().value!);
      codecs.set(schemaText, codec);
    }
    return codec;
  };

  // Registered ids per codec and subject: a number once known (no await), a promise meanwhile.
  const ids = new WeakMap<AvroCodec, Map<string, number | Promise<number>>>();
  const idOf = (subject: string, codec: AvroCodec): number | Promise<number> => {
    let bySubject = ids.get(codec);
    if (bySubject === undefined) ids.set(codec, (bySubject = new Map()));
    const known = bySubject.get(subject);
    if (known !== undefined) return known;
    const pending = registry.register(subject, codec.schemaText).then(
      (id) => { bySubject.set(subject, id); return id; },
      // A failed registration is tried again by the next record, not remembered.
      (e: unknown) => { bySubject.delete(subject); throw e; },
    );
    bySubject.set(subject, pending);
    return pending;
  };

  // The schema bytes last seen per subject and their codec: a table's records repeat the same
  // schema, and comparing bytes costs less than decoding and hashing the schema text.
  const lastBySubject = new Map<string, { readonly schema: Buffer; readonly codec: AvroCodec }>();
  const fastCodec = (subject: string, schemaBytes: Buffer): AvroCodec | undefined => {
    const last = lastBySubject.get(subject);
    if (last !== undefined && last.schema.equals(schemaBytes)) return last.codec;
    const schemaText = schemaBytes.toString('utf8');
    let codec = codecs.get(schemaText);
    if (codec === undefined) {
      const schema = tryParse(schemaText);
      if (schema === undefined) return undefined;
      codec = codecOf(schemaText, schema);
    }
    lastBySubject.set(subject, { schema: Buffer.from(schemaBytes), codec });
    return codec;
  };

  const encode = async (data: Buffer | null, subject: string, what: string, r: SinkRecord): Promise<Buffer | null> => {
    if (data === null) return null;
    let codec: AvroCodec;
    let body: Buffer;
    try {
      let parsed: { codec: AvroCodec; payload: unknown } | undefined;
      const at = payloadAt(data);
      if (at !== undefined) {
        const codecHere = fastCodec(subject, data.subarray(HEAD.length, at));
        if (codecHere !== undefined) parsed = { codec: codecHere, payload: parsePayload(data.toString('utf8', at + PAYLOAD.length, data.length - 1)) };
      }
      if (parsed === undefined) {
        const doc = parseWhole(data.toString('utf8'), what, r);
        parsed = { codec: codecOf(JSON.stringify(doc.schema), doc.schema), payload: doc.payload };
      }
      codec = parsed.codec;
      body = codec.encode(parsed.payload);
    } catch (e) {
      if (e instanceof ConnectorError) throw e;
      throw new ConnectorError('SINK_SEND', `cannot write the ${what} of record ${r.id} (topic ${r.topic}) as Avro: ${(e as Error).message}`, {
        cause: e, retriable: false, context: { topic: r.topic, id: r.id },
      });
    }
    const known = idOf(subject, codec);
    const id = typeof known === 'number' ? known : await known;
    const head = Buffer.allocUnsafe(5);
    head.writeUInt8(MAGIC_BYTE, 0);
    head.writeInt32BE(id, 1);
    return Buffer.concat([head, body]);
  };

  return async (records) => {
    const out: SinkRecord[] = [];
    for (const r of records) {
      const [key, value] = await Promise.all([
        encode(r.key, `${r.topic}-key`, 'key', r),
        encode(r.value, `${r.topic}-value`, 'value', r),
      ]);
      out.push({ ...r, key, value });
    }
    return out;
  };
}

/**
 * Where P starts in `{"schema":S,"payload":P}`, found without parsing S (its bytes are the cache
 * key). The first `,"payload":` ends S: inside a Connect schema that text could only be an
 * object key, and Connect schema keys are a fixed set without "payload" (in string values the
 * quote would be escaped). A split whose S is not JSON, or another shape, falls back to parsing
 * the record whole.
 */
function payloadAt(data: Buffer): number | undefined {
  if (data.length < HEAD.length + PAYLOAD.length + 1 || data[data.length - 1] !== 0x7d /* } */) return undefined;
  if (!data.subarray(0, HEAD.length).equals(HEAD_BYTES)) return undefined;
  const at = data.indexOf(PAYLOAD_BYTES, HEAD.length);
  return at < 0 ? undefined : at;
}

/** The parsed JSON, undefined when `text` is not JSON. */
function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseWhole(text: string, what: string, r: SinkRecord): { schema: unknown; payload: unknown } {
  let doc: unknown;
  try {
    doc = parsePayload(text);
  } catch { /* reported below */ }
  const o = doc as { schema?: unknown; payload?: unknown } | undefined;
  if (typeof o !== 'object' || o === null || o.schema === undefined || o.schema === null || !('payload' in o)) {
    throw new ConnectorError('SINK_SEND',
      `the ${what} of record ${r.id} (topic ${r.topic}) has no Kafka Connect schema; sink.kafka.format avro needs the envelope written with schemas ({"schema":..,"payload":..})`,
      { retriable: false, context: { topic: r.topic, id: r.id } });
  }
  return { schema: o.schema, payload: o.payload };
}

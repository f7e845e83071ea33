/**
 * Record headers as the bytes the producer writes, so the client runs no serializer per header
 * name and makes no Map of ours per record.
 *
 * The pipeline's header objects are few and shared: the envelope builders hand every record of
 * an op the same frozen `{ op: 'c' }` object (builder.ts OP_HEADERS, NO_HEADERS). Each frozen
 * object gets one Map of encoded pairs (kept by identity, in a WeakMap) that every record with
 * it shares; its last entry is the `walcast.id` header, whose value there is ID_VALUE_SLOT. The
 * record's own id bytes travel as the message's `metadata`, and the producer's header value
 * serializer (idHeaderValue, @platformatic/kafka's public `serializers.headerValue`, which gets
 * the message's metadata) puts them in the slot's place as the producer copies the headers.
 * Our own Map per record was 7% of the streaming garbage (the library still makes one per record
 * for the serialized headers). An object that is not frozen (a key change's
 * `__debezium.oldkey`/`newkey`, which vary per record) gets a Map of its own.
 *
 * The id bytes are written into a ByteSlab (a view of a shared area rather than a Buffer.from
 * allocation each). The producer copies header bytes into its request and never writes into
 * them, so sharing Buffers across records is safe (producer.js #send, records.js createRecord).
 * Should the slot ever reach the wire unreplaced (a client that stops calling the serializer),
 * produce-request.ts refuses the request rather than send a wrong id.
 */
import { ByteSlab } from '../../envelope/fast/byte-slab';

export type HeaderPair = readonly [name: Buffer, value: Buffer];

/** Kafka header carrying the record's deterministic id `<commit_lsn>:<index in txn>`. */
export const ID_HEADER = 'walcast.id';
const ID_HEADER_BYTES = Buffer.from(ID_HEADER, 'utf8');

/**
 * Stands for the record's id in a shared header Map (compared by identity); its bytes are never
 * meant to be sent.
 */
export const ID_VALUE_SLOT: Buffer = Buffer.from('<walcast.id of the record>', 'utf8');

/**
 * The producer's header value serializer: the record's id bytes (the message's metadata) in
 * place of ID_VALUE_SLOT, any other value as it is.
 */
export function idHeaderValue(value: Buffer | undefined, metadata: unknown): Buffer | undefined {
  if (value !== ID_VALUE_SLOT) return value;
  if (!Buffer.isBuffer(metadata)) throw new TypeError('walcast.id header without the record\'s id bytes in the message metadata');
  return metadata;
}

/** At most this many distinct header names are kept (a bound, so no input can grow the cache). */
const MAX_NAMES = 64;

export class RecordHeaders {
  private readonly shared = new WeakMap<object, readonly HeaderPair[]>();
  private readonly maps = new WeakMap<object, Map<Buffer, Buffer>>();
  private readonly idOnly = new Map<Buffer, Buffer>([[ID_HEADER_BYTES, ID_VALUE_SLOT]]);
  private readonly names = new Map<string, Buffer>();
  private readonly ids = new ByteSlab();
  private sizedHeaders: object | undefined;
  private sizedBytes = 0;

  /**
   * The Map to hand the producer with the record: the record's headers, then the id header
   * last, its value ID_VALUE_SLOT (a record header of the same name is left out, so nothing can
   * replace or duplicate the id). Shared by all records with the same frozen headers object.
   */
  toMap(headers: Readonly<Record<string, string>> | undefined): Map<Buffer, Buffer> {
    if (headers === undefined) return this.idOnly;
    const known = this.maps.get(headers);
    if (known !== undefined) return known;
    const out = new Map<Buffer, Buffer>();
    const pairs = this.pairs(headers);
    for (let i = 0; i < pairs.length; i++) out.set(pairs[i]![0], pairs[i]![1]);
    out.set(ID_HEADER_BYTES, ID_VALUE_SLOT);
    if (Object.isFrozen(headers)) this.maps.set(headers, out);
    return out;
  }

  /** The record's `walcast.id` value, for the message's metadata (see idHeaderValue). */
  idBytes(id: string): Buffer {
    this.ids.begin();
    this.ids.text(id);
    return this.ids.end();
  }

  /** Bytes of the headers the record is sent with (toMap() and its id), names and values, before per-header framing. */
  bytes(headers: Readonly<Record<string, string>> | undefined, id: string): number {
    const idBytes = ID_HEADER_BYTES.length + Buffer.byteLength(id, 'utf8');
    if (headers === undefined) return idBytes;
    // Runs of records share one frozen headers object: remember the last one's size.
    if (headers !== this.sizedHeaders || !Object.isFrozen(headers)) {
      const pairs = this.pairs(headers);
      let n = 0;
      for (let i = 0; i < pairs.length; i++) n += pairs[i]![0].length + pairs[i]![1].length;
      this.sizedHeaders = headers;
      this.sizedBytes = n;
    }
    return idBytes + this.sizedBytes;
  }

  private pairs(headers: Readonly<Record<string, string>>): readonly HeaderPair[] {
    const known = this.shared.get(headers);
    if (known !== undefined) return known;
    const pairs: HeaderPair[] = [];
    // for..in, not Object.entries: the records' header objects are plain.
    for (const name in headers) {
      if (name === ID_HEADER) continue;
      pairs.push([this.name(name), Buffer.from(headers[name]!, 'utf8')]);
    }
    if (Object.isFrozen(headers)) this.shared.set(headers, pairs);
    return pairs;
  }

  private name(name: string): Buffer {
    let b = this.names.get(name);
    if (b === undefined) {
      b = Buffer.from(name, 'utf8');
      if (this.names.size < MAX_NAMES) this.names.set(name, b);
    }
    return b;
  }
}

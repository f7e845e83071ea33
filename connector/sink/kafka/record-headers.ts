/**
 * Record headers as the bytes the producer writes, so the client runs no serializer per header.
 *
 * The pipeline's header objects are few and shared: the envelope builders hand every record of
 * an op the same frozen `{ op: 'c' }` object (builder.ts OP_HEADERS, NO_HEADERS). The encoded
 * pairs of a frozen object are therefore kept (by identity, in a WeakMap) and reused; an object
 * that is not frozen (a key change's `__debezium.oldkey`/`newkey`, which vary per record) is
 * encoded each time. Per record only the `walcast.id` value is new bytes, written into a
 * ByteSlab (a view of a shared area rather than a Buffer.from allocation each).
 *
 * The producer copies header bytes into its request and never writes into them, so sharing one
 * Buffer across records is safe (producer.js #send, records.js createRecord).
 */
import { ByteSlab } from '../../envelope/fast/byte-slab';

export type HeaderPair = readonly [name: Buffer, value: Buffer];

/** Kafka header carrying the record's deterministic id `<commit_lsn>:<index in txn>`. */
export const ID_HEADER = 'walcast.id';
const ID_HEADER_BYTES = Buffer.from(ID_HEADER, 'utf8');

/** At most this many distinct header names are kept (a bound, so no input can grow the cache). */
const MAX_NAMES = 64;

export class RecordHeaders {
  private readonly shared = new WeakMap<object, readonly HeaderPair[]>();
  private readonly names = new Map<string, Buffer>();
  private readonly ids = new ByteSlab();
  private sizedHeaders: object | undefined;
  private sizedBytes = 0;

  /**
   * The record's headers, then the id header last (a record header of the same name is left
   * out, so nothing can replace or duplicate the id).
   */
  toMap(headers: Readonly<Record<string, string>> | undefined, id: string): Map<Buffer, Buffer> {
    const out = new Map<Buffer, Buffer>();
    if (headers !== undefined) {
      const pairs = this.pairs(headers);
      for (let i = 0; i < pairs.length; i++) out.set(pairs[i]![0], pairs[i]![1]);
    }
    this.ids.begin();
    this.ids.text(id);
    out.set(ID_HEADER_BYTES, this.ids.end());
    return out;
  }

  /** Bytes of the headers toMap() gives, names and values, before per-header framing. */
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

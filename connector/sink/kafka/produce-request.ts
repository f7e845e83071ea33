/**
 * Produce request (v11) bytes written in one pass into one Buffer, byte for byte what
 * @platformatic/kafka's produceV11.createRequest writes, without its per-record garbage.
 *
 * Why: the library builds every record as a Writer over a list of small Buffers (one per varint,
 * key, value and header part: about 17 per record), then concatenates the list twice (for the
 * CRC and for the socket). That was about a quarter of walcast's streaming CPU. Here a first pass
 * sizes the request, a second writes it; the CRC32C runs over the written batch in place.
 *
 * Where it plugs in (a library seam, not its documented API): the producer looks its Produce
 * implementation up by calling `this[kGetApi]('Produce', cb)`. kGetApi is exported by the
 * package (clients/base) for client subclasses; FastProducer overrides it and hands back an API
 * object made with the library's own createAPI and produceV11.parseResponse, with this encoder as
 * its request creator. Everything else (partitioning, sequence numbers, retries, idempotent
 * recovery, transactions) stays the library's. produce-request.test.ts compares these bytes with
 * the library's encoder for the installed version and checks that the seam is still used, so an
 * upgrade that moves either fails a unit test instead of the wire.
 *
 * Only what the library's own encoder would write identically is handled here: compression
 * none, snappy, lz4 or zstd (the records of a batch compressed with the library's own
 * synchronous compressor, as its encoder does), Buffer keys, values and headers, one timestamp
 * per request (the library stamps every record of a request with the same `now` unless the
 * caller gave timestamps; walcast never does). Anything else (gzip, which the library compresses
 * off the event loop) goes to the library's encoder unchanged.
 *
 * With compression the broker reads and appends a fraction of the bytes (its CPU per record fell
 * by a third to a half in the bench) and walcast pays for the compressing: docs/performance.md.
 *
 * Wire layout (Kafka protocol, Produce v9+ is "flexible": compact strings/arrays, tagged fields):
 *   transactional_id COMPACT_NULLABLE_STRING | acks INT16 | timeout_ms INT32
 *   [topic_data] COMPACT_ARRAY: name COMPACT_STRING, [partition_data] COMPACT_ARRAY:
 *     index INT32, records COMPACT_RECORDS (uvarint length+1, then one record batch), TAG_BUFFER
 *   ... TAG_BUFFER per topic, TAG_BUFFER at the end.
 * Record batch v2: baseOffset INT64 | batchLength INT32 (bytes after this field) |
 *   partitionLeaderEpoch INT32 | magic INT8 (2) | crc UINT32 (CRC-32C of attributes..end) |
 *   attributes INT16 | lastOffsetDelta INT32 | firstTimestamp INT64 | maxTimestamp INT64 |
 *   producerId INT64 | producerEpoch INT16 | baseSequence INT32 | records count INT32 | records.
 * Record: length VARINT | attributes INT8 | timestampDelta VARLONG | offsetDelta VARINT |
 *   key (VARINT length, -1 for null; bytes) | value (same) | headers count VARINT |
 *   per header: name (VARINT length; bytes), value (VARINT length, -1 for null; bytes).
 * VARINT/VARLONG are zigzag-encoded; uvarint is the plain unsigned 7-bit encoding.
 */
import {
  compressionsAlgorithms,
  createAPI,
  crc32c,
  groupByProperty,
  kGetApi,
  produceV11,
  Producer,
  ProduceAcks,
  Writer,
  type API,
  type Callback,
  type MessageRecord,
  type NumericMap,
} from '@platformatic/kafka';
import { answerWith, wrapApi } from './api-seam';
import { ID_VALUE_SLOT } from './record-headers';

/** The producer options the library hands its Produce encoder (producer.js #send produceOptions). */
export interface ProduceEncodeOptions {
  readonly transactionalId?: string | null;
  readonly compression?: string;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly sequences?: Pick<NumericMap, 'getWithDefault'>;
  readonly partitionLeaderEpoch?: number;
}

const IS_TRANSACTIONAL = 1 << 4;
const RECORD_BATCH_MAGIC = 2;
/** Produce API key 0, version 11: the layout above (the library's newest; Kafka >= 3.7 brokers). */
const PRODUCE = 0;
const VERSION = 11;

function uvarintSize(v: number): number {
  let n = 1;
  while ((v & 0xffffff80) !== 0) {
    n++;
    v >>>= 7;
  }
  return n;
}

const zigzag = (v: number): number => (v << 1) ^ (v >> 31);
const varintSize = (v: number): number => uvarintSize(zigzag(v));

function writeUvarint(buf: Buffer, at: number, v: number): number {
  while ((v & 0xffffff80) !== 0) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

const writeVarint = (buf: Buffer, at: number, v: number): number => writeUvarint(buf, at, zigzag(v));

function writeBytes(buf: Buffer, at: number, b: Buffer | undefined | null): number {
  if (b == null) {
    buf[at] = 1; // zigzag(-1): null
    return at + 1;
  }
  at = writeVarint(buf, at, b.length);
  buf.set(b, at);
  return at + b.length;
}

interface Partition {
  readonly index: number;
  readonly messages: MessageRecord[];
  readonly bodies: number[];
  batchSize: number;
  /** The records section compressed, or null when the batch is not compressed. */
  compressed: Uint8Array | null;
}

/** What this encoder needs of a library compressor (compression.js compressionsAlgorithms). */
interface Compressor { readonly compressSync: (data: Buffer) => Uint8Array; readonly bitmask: number }

/**
 * The library's synchronous compressor for `compression`; null when this encoder does not
 * write it (gzip: the library's encoder compresses it asynchronously; one this Node lacks: the
 * library's encoder reports it). Undefined: no compression.
 */
function compressorOf(compression: string | undefined): Compressor | null | undefined {
  if ((compression ?? 'none') === 'none') return undefined;
  if (compression !== 'snappy' && compression !== 'lz4' && compression !== 'zstd') return null;
  const algorithm = compressionsAlgorithms[compression];
  return algorithm.available ? algorithm : null;
}
interface Topic { readonly topic: string; readonly name: Buffer; readonly partitions: Partition[] }

/** 8 + 4 (baseOffset, batchLength) + 4 + 1 + 4 (epoch, magic, crc) + 2+4+8+8+8+2+4+4 (attributes..records count). */
const BATCH_OVERHEAD = 61;

/**
 * The Produce request, or null when the library's encoder must write it (see the file comment).
 * Sets each message's timestamp when absent, as the library's encoder does: a retry of the same
 * messages then carries the same timestamps.
 */
export function encodeProduceRequest(acks: number, timeout: number, messages: MessageRecord[], options: ProduceEncodeOptions): Writer | null {
  const compressor = compressorOf(options.compression);
  if (compressor === null || messages.length === 0) return null;
  const now = BigInt(Date.now());
  const timestamp = messages[0]!.timestamp ?? now;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.partition === undefined) m.partition = 0;
    if (m.timestamp === undefined) m.timestamp = now;
    else if (m.timestamp !== timestamp) return null;
  }
  // Same grouping, hence the same order, as the library (groupByProperty: topics, then partitions).
  const topics: Topic[] = groupByProperty<string, MessageRecord>(messages, 'topic').map(([topic, inTopic]) => ({
    topic,
    name: Buffer.from(topic, 'utf8'),
    partitions: groupByProperty<string, MessageRecord>(inTopic, 'partition').map(([index, inPartition]) => ({
      index: Number(index), messages: inPartition, bodies: new Array<number>(inPartition.length), batchSize: 0, compressed: null,
    })),
  }));

  const txId = options.transactionalId == null ? null : Buffer.from(options.transactionalId, 'utf8');
  let size = (txId === null ? 1 : uvarintSize(txId.length + 1) + txId.length) + 2 + 4 + uvarintSize(topics.length + 1) + 1;
  for (const t of topics) {
    size += uvarintSize(t.name.length + 1) + t.name.length + uvarintSize(t.partitions.length + 1) + 1;
    for (const p of t.partitions) {
      let records = 0;
      for (let i = 0; i < p.messages.length; i++) {
        const body = recordBodySize(p.messages[i]!, i);
        if (body < 0) return null;
        p.bodies[i] = body;
        records += varintSize(body) + body;
      }
      if (compressor !== undefined) {
        const raw = Buffer.allocUnsafe(records);
        writeRecords(raw, 0, p);
        p.compressed = compressor.compressSync(raw);
        records = p.compressed.length;
      }
      p.batchSize = BATCH_OVERHEAD + records;
      size += 4 + uvarintSize(p.batchSize + 1) + p.batchSize + 1;
    }
  }

  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  if (txId === null) {
    buf[at++] = 0;
  } else {
    at = writeUvarint(buf, at, txId.length + 1);
    at += txId.copy(buf, at);
  }
  at = buf.writeInt16BE(acks, at);
  at = buf.writeInt32BE(timeout, at);
  at = writeUvarint(buf, at, topics.length + 1);
  for (const t of topics) {
    at = writeUvarint(buf, at, t.name.length + 1);
    at += t.name.copy(buf, at);
    at = writeUvarint(buf, at, t.partitions.length + 1);
    for (const p of t.partitions) {
      at = buf.writeInt32BE(p.index, at);
      at = writeUvarint(buf, at, p.batchSize + 1);
      at = writeBatch(buf, at, t.topic, p, timestamp!, options, compressor?.bitmask ?? 0);
      buf[at++] = 0; // partition TAG_BUFFER
    }
    buf[at++] = 0; // topic TAG_BUFFER
  }
  buf[at++] = 0; // request TAG_BUFFER
  if (at !== size) throw new Error(`produce request: wrote ${at} bytes, sized ${size}`);
  const writer = Writer.create().append(buf);
  if (acks === ProduceAcks.NO_RESPONSE) writer.context.noResponse = true;
  return writer;
}

/** A record's size after its length prefix; -1 when a field is not bytes (the library's encoder then writes the request). */
function recordBodySize(m: MessageRecord, offsetDelta: number): number {
  // attributes, timestampDelta (0: one timestamp per request), offsetDelta.
  let body = 2 + varintSize(offsetDelta);
  const { key, value, headers } = m;
  if (key == null) body += 1;
  else if (Buffer.isBuffer(key)) body += varintSize(key.length) + key.length;
  else return -1;
  if (value == null) body += 1;
  else if (Buffer.isBuffer(value)) body += varintSize(value.length) + value.length;
  else return -1;
  if (headers === undefined) return body + 1;
  if (!(headers instanceof Map)) return -1;
  headerBytes = varintSize(headers.size);
  headers.forEach(addHeaderSize);
  return headerBytes < 0 ? -1 : body + headerBytes;
}

// Map.forEach with module-level callbacks and state: a for..of over the Map makes an entry
// array per header, and a closure per record would be garbage too.
/** addHeaderSize's sum; -1 once a header is not bytes. */
let headerBytes = 0;
function addHeaderSize(v: unknown, name: unknown): void {
  if (headerBytes < 0) return;
  if (!Buffer.isBuffer(name)) {
    headerBytes = -1;
    return;
  }
  headerBytes += varintSize(name.length) + name.length;
  refuseIdSlot(v);
  if (v == null) headerBytes += 1;
  else if (Buffer.isBuffer(v)) headerBytes += varintSize(v.length) + v.length;
  else headerBytes = -1;
}

/** A walcast.id header must carry the record's id by now (record-headers.ts), never its placeholder. */
function refuseIdSlot(v: unknown): void {
  // canRetry false: the library's retry loop (base.js kPerformWithRetry) gives up at once; a
  // retry would meet the same slot.
  if (v === ID_VALUE_SLOT) {
    throw Object.assign(new Error('produce request: a walcast.id header still holds its slot (the header value serializer did not run)'), { canRetry: false });
  }
}

/** writeHeader's target and position. */
const NO_BYTES = Buffer.alloc(0);
let headerBuf: Buffer = NO_BYTES;
let headerAt = 0;
function writeHeader(v: Buffer | null | undefined, name: Buffer): void {
  headerAt = writeBytes(headerBuf, headerAt, name);
  headerAt = writeBytes(headerBuf, headerAt, v);
}

function writeBatch(buf: Buffer, at: number, topic: string, p: Partition, timestamp: bigint, options: ProduceEncodeOptions, compression: number): number {
  const start = at;
  at = buf.writeBigInt64BE(0n, at); // baseOffset
  at = buf.writeInt32BE(p.batchSize - 12, at); // batchLength: the bytes after it
  at = buf.writeInt32BE(options.partitionLeaderEpoch ?? 0, at);
  at = buf.writeInt8(RECORD_BATCH_MAGIC, at);
  const crcAt = at;
  at += 4;
  const crcFrom = at;
  at = buf.writeInt16BE((options.transactionalId ? IS_TRANSACTIONAL : 0) | compression, at);
  at = buf.writeInt32BE(p.messages.length - 1, at);
  at = buf.writeBigInt64BE(timestamp, at); // firstTimestamp
  at = buf.writeBigInt64BE(timestamp, at); // maxTimestamp
  at = buf.writeBigInt64BE(options.producerId ?? -1n, at);
  at = buf.writeInt16BE(options.producerEpoch ?? 0, at);
  at = buf.writeInt32BE(options.sequences ? options.sequences.getWithDefault(`${topic}:${p.index}`, 0) : 0, at);
  at = buf.writeInt32BE(p.messages.length, at);
  if (p.compressed === null) {
    at = writeRecords(buf, at, p);
  } else {
    buf.set(p.compressed, at);
    at += p.compressed.length;
  }
  if (at - start !== p.batchSize) throw new Error(`produce request: record batch of ${at - start} bytes, sized ${p.batchSize}`);
  // Handed over as a one-Buffer DynamicBuffer: the library's crc32c then reads it in place
  // (for a plain Buffer it first copies it into a new Uint8Array).
  buf.writeUInt32BE(crc32c(Writer.create().append(buf.subarray(crcFrom, at)).dynamicBuffer), crcAt);
  return at;
}

/** The records of a batch (the bytes after its records count), written from `at`. */
function writeRecords(buf: Buffer, at: number, p: Partition): number {
  for (let i = 0; i < p.messages.length; i++) {
    const m = p.messages[i]!;
    at = writeVarint(buf, at, p.bodies[i]!);
    buf[at++] = 0; // attributes
    buf[at++] = 0; // timestampDelta: zigzag(0)
    at = writeVarint(buf, at, i);
    at = writeBytes(buf, at, m.key);
    at = writeBytes(buf, at, m.value);
    if (m.headers === undefined) {
      buf[at++] = 0;
    } else {
      at = writeVarint(buf, at, m.headers.size);
      headerBuf = buf;
      headerAt = at;
      (m.headers as Map<Buffer, Buffer | null | undefined>).forEach(writeHeader);
      at = headerAt;
    }
  }
  headerBuf = NO_BYTES; // not kept past the request
  return at;
}

type ProduceApi = API<unknown[], produceV11.ProduceResponse>;
type LibraryOptions = Parameters<typeof produceV11.createRequest>[3];

let fastRequests = 0;
/** Produce requests this process wrote with encodeProduceRequest (tests check the seam is in use). */
export const fastProduceRequests = (): number => fastRequests;

/** The request creator of the fast Produce API: encodeProduceRequest, else the library's encoder. */
export function createProduceRequest(acks: number, timeout: number, messages: MessageRecord[], options: ProduceEncodeOptions): Writer | Promise<Writer> {
  const fast = encodeProduceRequest(acks, timeout, messages, options);
  if (fast !== null) {
    fastRequests++;
    return fast;
  }
  // The library's produceV11 request creator: gzip goes through its async encoder.
  for (const m of messages) m.headers?.forEach(refuseIdSlot);
  return options.compression === 'gzip'
    ? produceV11.createRequestAsync(acks, timeout, messages, options as LibraryOptions)
    : produceV11.createRequest(acks, timeout, messages, options as LibraryOptions);
}

const FAST_PRODUCE_V11: ProduceApi = createAPI(PRODUCE, VERSION, createProduceRequest, produceV11.parseResponse);

/**
 * The Produce API object the producer calls: for the library's Produce v11, one with the same
 * key, version and response parser and encodeProduceRequest as request creator (the library's
 * encoder as fallback); any other version stays the library's.
 */
export function fastProduceApi(library: ProduceApi): ProduceApi {
  return library.key === PRODUCE && library.version === VERSION ? FAST_PRODUCE_V11 : library;
}

/**
 * InitProducerId with `transactionTimeoutMs` in place of the timeout the library passes (its
 * request timeout, producer.js initIdempotentProducer: `api(connection, transactionalId,
 * this[kOptions].timeout, producerId, producerEpoch, cb)`); the rest is the library's API.
 */
function withTransactionTimeout<A extends unknown[], R>(library: API<A, R>, transactionTimeoutMs: number): API<A, R> {
  return wrapApi(library, (call, connection, args) => {
    // args: transactionalId, transactionTimeoutMs, producerId, producerEpoch[, callback]
    if (args.length >= 2) args[1] = transactionTimeoutMs;
    call(connection, ...args);
  });
}

export interface FastProducerExtras {
  /** transaction.timeout.ms sent with InitProducerId; the library's request timeout when absent. */
  readonly transactionTimeoutMs?: number;
}

/**
 * A Producer whose Produce requests are written by encodeProduceRequest (see the file comment),
 * and whose InitProducerId carries its own transaction timeout (withTransactionTimeout).
 */
export class FastProducer<K, V, HK, HV> extends Producer<K, V, HK, HV> {
  // Not a #private field: the base constructor may already look an API up (then: no extras).
  private extras: FastProducerExtras | undefined;

  constructor(options: ConstructorParameters<typeof Producer<K, V, HK, HV>>[0], extras: FastProducerExtras = {}) {
    super(options);
    this.extras = extras;
  }

  override [kGetApi]<RequestArguments extends Array<unknown>, ResponseType>(name: string, callback: Callback<API<RequestArguments, ResponseType>>): void {
    const txTimeout = this.extras?.transactionTimeoutMs;
    if (name === 'InitProducerId' && txTimeout !== undefined) {
      super[kGetApi]<RequestArguments, ResponseType>(name, answerWith(callback, (api) => withTransactionTimeout(api, txTimeout)));
      return;
    }
    if (name !== 'Produce') {
      super[kGetApi](name, callback);
      return;
    }
    super[kGetApi]<RequestArguments, ResponseType>(name, answerWith(callback,
      (api) => fastProduceApi(api as unknown as ProduceApi) as unknown as API<RequestArguments, ResponseType>));
  }
}

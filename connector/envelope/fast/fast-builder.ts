/**
 * The fast envelope path: the EnvelopeBuilder's records, written by per-relation encoders
 * (relation-encoder.ts) for the changes that make up nearly all traffic — inserts, updates
 * without an old row (REPLICA IDENTITY DEFAULT, key unchanged) and snapshot reads — and by the
 * generic builder for everything else (deletes, key changes, old rows, unchanged TOAST values,
 * truncates, logical messages). Output is byte-identical to the generic builder's: the unit test
 * test/unit/envelope/fast-encoder.test.ts and the Debezium comparison suite hold it to that.
 *
 * Per record it does no BigInt arithmetic and builds no intermediate JSON value or string: the
 * `source` block's transaction-constant parts are encoded once per transaction and relation, the
 * processing-time tail once per clock tick, and key and value are written as bytes into a
 * ByteSlab and handed out as views of it.
 */
import type { DataEvent, InsertEvent, Relation, Tuple, UpdateEvent } from '../../model/change';
import type { Lsn } from '../../protocol/lsn';
import { formatLsn, MAX_SAFE_LSN } from '../../protocol/lsn';
import type { SinkRecord } from '../../model/record';
import { EnvelopeBuilder, OP_HEADERS, type SnapshotMarker, type TxContext } from '../builder';
import { ByteSlab } from './byte-slab';
import { RelationEncoder } from './relation-encoder';


/** Decimal text of a µs timestamp as ms, µs and ns, without BigInt division when it can. */
function timeTriple(us: bigint): readonly [string, string, string] {
  const text = us.toString();
  // For us >= 1000 the decimal digits shift: floor(us / 1000) drops three, us * 1000 adds three.
  if (us >= 1000n) return [text.slice(0, -3), text, text + '000'];
  return [(us / 1000n).toString(), text, (us * 1000n).toString()];
}

/** An LSN's decimal digits: below 2^53 (8 PiB of WAL) without a string, beyond through bigint's toString. */
function writeLsn(out: ByteSlab, lsn: Lsn): void {
  if (lsn <= MAX_SAFE_LSN) out.uint(Number(lsn));
  else out.text(lsn.toString());
}

/**
 * The source block around its per-event LSN: head + lsn + mid + lsn + tail, for one transaction
 * and relation. The first record writes the text; from the second on it is copied as bytes,
 * encoded once. A one-row transaction (most OLTP traffic) thus encodes nothing it does not
 * write: encoding both parts up front was 7% of walcast's CPU at 5,000 one-row transactions a
 * second.
 */
class SourceParts {
  private head: Buffer | null = null;
  private mid: Buffer | null = null;
  private written = false;

  constructor(private readonly headText: string, private readonly midText: string) {}

  write(out: ByteSlab, lsn: Lsn): void {
    if (this.head === null) {
      if (!this.written) {
        this.written = true;
        out.text(this.headText);
        writeLsn(out, lsn);
        out.text(this.midText);
        writeLsn(out, lsn);
        return;
      }
      this.head = Buffer.from(this.headText, 'utf8');
      this.mid = Buffer.from(this.midText, 'utf8');
    }
    out.bytes(this.head);
    // The LSN's digits are written once and copied for its second place.
    const at = out.written;
    writeLsn(out, lsn);
    const digits = out.written - at;
    out.bytes(this.mid!);
    out.again(at, digits);
  }
}

/** The bytes every value without a `before` starts with. */
const VALUE_HEAD = Buffer.from('{"before":null,"after":', 'utf8');

const SOURCE_TAIL = ',"xmin":null,"origin":null,"origin_lsn":null},"transaction":null,"op":"';
/** The source tail with the op of an insert and an update. */
const TAIL_C = Buffer.from(SOURCE_TAIL + 'c', 'utf8');
const TAIL_U = Buffer.from(SOURCE_TAIL + 'u', 'utf8');

export class FastEnvelopeBuilder extends EnvelopeBuilder {
  private readonly encoders = new WeakMap<Relation, RelationEncoder>();
  // Transaction cache: the source parts per relation of the current transaction.
  private txCommitLsn: Lsn | null = null;
  private txLast: Lsn | null = null;
  private txXid = -1;
  private txTimeUs = -1n;
  private txIdPrefix = '';
  /** The transaction's first relation and its parts; a Map only once a second relation appears. */
  private txEncoder: RelationEncoder | null = null;
  private txParts: SourceParts | null = null;
  private txSources: Map<RelationEncoder, SourceParts> | null = null;
  // Processing-time cache: `","ts_ms":..,"ts_us":..,"ts_ns":..}` for the last nowUs seen.
  private nowUs = -1n;
  private nowTail: Buffer = Buffer.alloc(0);
  // Snapshot cache: the whole source for the last (encoder, marker, nowUs, lsn, txId).
  private snapKey: { encoder: RelationEncoder; marker: SnapshotMarker; nowUs: bigint; lsn: Lsn; txId: number | null } | null = null;
  /** The snapshot value's tail after the row, as UTF-8: encoded once per change of it rather than once per row. */
  private snapSource: Buffer = Buffer.alloc(0);
  /** Where keys and values are written. */
  private readonly out = new ByteSlab();

  override records(event: DataEvent, tx: TxContext, firstIndex: number, nowUs: bigint): SinkRecord[] {
    if (event.kind === 'insert' || (event.kind === 'update' && event.before === null)) {
      if (!this.keep(event)) return [];
      const record = this.change(event, tx, firstIndex, nowUs);
      if (record !== null) return [record];
    }
    return super.records(event, tx, firstIndex, nowUs);
  }

  override snapshotRecord(
    relation: Relation, row: Tuple, marker: SnapshotMarker, snapshotLsn: Lsn, id: string, nowUs: bigint,
    snapshotTxId: number | null = null,
  ): SinkRecord {
    if (RelationEncoder.hasUnchangedToast(row)) return super.snapshotRecord(relation, row, marker, snapshotLsn, id, nowUs, snapshotTxId);
    return this.snapshotRead(this.encoder(relation), row, marker, snapshotLsn, id, false, nowUs, snapshotTxId);
  }

  /**
   * The base's snapshotRecordKeyId, with the id made from the key JSON text the encoder wrote
   * instead of decoding the key Buffer back. Snapshot rows (COPY text) never hold an unchanged
   * TOAST value; one that did takes the generic path like snapshotRecord's.
   */
  override snapshotRecordKeyId(
    relation: Relation, row: Tuple, marker: SnapshotMarker, snapshotLsn: Lsn, idPrefix: string, nowUs: bigint,
    snapshotTxId: number | null,
  ): SinkRecord {
    if (RelationEncoder.hasUnchangedToast(row)) return super.snapshotRecordKeyId(relation, row, marker, snapshotLsn, idPrefix, nowUs, snapshotTxId);
    return this.snapshotRead(this.encoder(relation), row, marker, snapshotLsn, idPrefix, true, nowUs, snapshotTxId);
  }

  /** A snapshot read by the relation's encoder; `keyId`: the id is `id` + the key JSON. */
  private snapshotRead(
    enc: RelationEncoder, row: Tuple, marker: SnapshotMarker, snapshotLsn: Lsn, id: string, keyId: boolean, nowUs: bigint,
    snapshotTxId: number | null,
  ): SinkRecord {
    const k = this.snapKey;
    if (k === null || k.encoder !== enc || k.marker !== marker || k.nowUs !== nowUs || k.lsn !== snapshotLsn || k.txId !== snapshotTxId) {
      const [ms, us, ns] = timeTriple(nowUs);
      const lsn = snapshotLsn.toString();
      this.snapSource = Buffer.from(
        `,"source":${this.sourceHead}${ms},"snapshot":"${marker}","db":${this.dbJson},"sequence":"[null,\\"${lsn}\\"]",` +
        `"ts_us":${us},"ts_ns":${ns},"schema":${enc.schemaJson},"table":${enc.tableJson},` +
        `"txId":${snapshotTxId === null ? 'null' : snapshotTxId},"lsn":${lsn}${SOURCE_TAIL}r`, 'utf8');
      this.snapKey = { encoder: enc, marker, nowUs, lsn: snapshotLsn, txId: snapshotTxId };
    }
    const out = this.out;
    const key = this.startValue(enc, row);
    out.bytes(this.snapSource);
    out.bytes(this.timeTail(nowUs));
    return { topic: enc.topic, key, value: out.end(), headers: OP_HEADERS.r, id: keyId ? id + enc.keyText() : id };
  }

  /** An insert, or an update without an old row; null when the row needs the generic path. */
  private change(event: InsertEvent | UpdateEvent, tx: TxContext, index: number, nowUs: bigint): SinkRecord | null {
    const row = event.after;
    if (RelationEncoder.hasUnchangedToast(row)) return null;
    const enc = this.encoder(event.relation);
    const source = this.txSource(enc, tx);
    const insert = event.kind === 'insert';
    const out = this.out;
    const key = this.startValue(enc, row);
    source.write(out, event.lsn);
    out.bytes(insert ? TAIL_C : TAIL_U);
    out.bytes(this.timeTail(nowUs));
    return { topic: enc.topic, key, value: out.end(), headers: insert ? OP_HEADERS.c : OP_HEADERS.u, id: this.txIdPrefix + index };
  }

  /**
   * Starts a record: writes the key (returned as its view; null without key columns), then the
   * value up to the end of `after`. The caller writes the rest of the value and ends it.
   */
  private startValue(enc: RelationEncoder, row: Tuple): Buffer | null {
    const out = this.out;
    out.begin();
    const key = enc.writeKey(row, out) ? out.end() : null;
    out.bytes(VALUE_HEAD);
    enc.writeRow(row, out);
    return key;
  }

  private encoder(relation: Relation): RelationEncoder {
    let enc = this.encoders.get(relation);
    if (enc === undefined) {
      enc = new RelationEncoder(this.states.get(relation), relation, this.ctx.options);
      this.encoders.set(relation, enc);
    }
    return enc;
  }

  /** The source block's parts for this transaction and relation, built once per pair. */
  private txSource(enc: RelationEncoder, tx: TxContext): SourceParts {
    if (tx.commitLsn !== this.txCommitLsn || tx.lastCommitLsn !== this.txLast || tx.xid !== this.txXid || tx.commitTimeUs !== this.txTimeUs) {
      if (tx.commitLsn !== this.txCommitLsn) this.txIdPrefix = formatLsn(tx.commitLsn) + ':';
      this.txCommitLsn = tx.commitLsn;
      this.txLast = tx.lastCommitLsn;
      this.txXid = tx.xid;
      this.txTimeUs = tx.commitTimeUs;
      this.txEncoder = null;
      this.txParts = null;
      this.txSources = null;
    }
    if (enc === this.txEncoder) return this.txParts!;
    let parts = this.txSources?.get(enc);
    if (parts === undefined) {
      const [ms, us, ns] = timeTriple(tx.commitTimeUs);
      const last = tx.lastCommitLsn === null ? 'null' : `\\"${tx.lastCommitLsn}\\"`;
      parts = new SourceParts(
        `,"source":${this.sourceHead}${ms},"snapshot":"false","db":${this.dbJson},"sequence":"[${last},\\"`,
        `\\"]","ts_us":${us},"ts_ns":${ns},"schema":${enc.schemaJson},"table":${enc.tableJson},"txId":${tx.xid},"lsn":`,
      );
      if (this.txEncoder === null) {
        this.txEncoder = enc;
        this.txParts = parts;
        return parts;
      }
      (this.txSources ??= new Map()).set(enc, parts);
    }
    return parts;
  }

  /** `","ts_ms":..,"ts_us":..,"ts_ns":..}` of the processing time, rebuilt when the clock moved. */
  private timeTail(nowUs: bigint): Buffer {
    if (nowUs !== this.nowUs) {
      const [ms, us, ns] = timeTriple(nowUs);
      this.nowUs = nowUs;
      this.nowTail = Buffer.from(`","ts_ms":${ms},"ts_us":${us},"ts_ns":${ns}}`, 'utf8');
    }
    return this.nowTail;
  }
}

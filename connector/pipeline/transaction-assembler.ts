/**
 * The stream session's middle stage: decoded changes, in WAL order, become the records of their
 * transaction. It tracks the open transaction (open-tx.ts) from BEGIN to COMMIT, has the envelope
 * builder make each change's records with the transaction's ids, adds the BEGIN/END records of
 * envelope.transactionMetadata, numbers the transaction in the AckTracker, and asks for a
 * checkpoint where exactly-once commits a Kafka transaction.
 *
 * Exactly-once also decides here, at BEGIN, whether a replayed transaction is already in Kafka
 * (its records are built all the same, then dropped), and whether a snapshot on the kept slot
 * already showed some of its keys: those records wait for FreshReadFilter.keep, which the
 * session holds reading for (`hold`).
 *
 * Where records go, and when reading pauses, is the session's (stream-session.ts): this class
 * neither reads nor sends.
 */
import type { BeginEvent, CommitEvent, DataEvent } from '../model/change';
import type { EnvelopeBuilder } from '../envelope/builder';
import { OpenTransaction, transactionRecord, type TransactionRecordText } from '../envelope/transaction-metadata';
import type { CommittedOffset, SinkCheckpoint, SinkRecord } from '../model/record';
import type { AckTracker } from '../offsets/ack-tracker';
import { formatLsn, type Lsn } from '../protocol/lsn';
import type { Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import { EventTally } from './event-tally';
import type { FreshReadFilter } from './fresh-read-filter';
import { openTx, type OpenTx } from './open-tx';

/** Where the assembler's output goes: the session. */
export interface AssemblyOutput {
  /** Numbers `records` in the tracker (stream order) and hands them on. */
  push(records: readonly SinkRecord[], commitTimeUs: bigint): void;
  /** Exactly-once: everything pushed so far ends a unit Kafka may commit at `checkpoint`. */
  checkpoint(checkpoint: SinkCheckpoint): void;
  /** Reading waits until `kept` settles; then `emit` hands out its records (unless the session ended). */
  hold(kept: Promise<SinkRecord[]>, emit: (records: readonly SinkRecord[]) => void): void;
  /** A streamed transaction is being replayed (it has no BEGIN message of its own). */
  replaying(): boolean;
}

/** envelope.transactionMetadata: BEGIN/END records go to `topic`, wrapped with schemas when `schemas`. */
export interface TransactionMetadataTarget {
  readonly topic: string;
  readonly schemas: boolean;
}

/**
 * Exactly-once (the sink commits Kafka transactions at checkpoints): every PostgreSQL
 * transaction is published with a checkpoint at its end, and `committed` is the offset the
 * sink read at start: replayed transactions at or below it are skipped (open-tx.ts, alreadyCommitted).
 */
export interface ExactlyOnceStart {
  readonly committed: CommittedOffset | null;
  /** Drops replayed records a snapshot read on the kept slot already showed (fresh-read-filter.ts). */
  readonly freshRead?: FreshReadFilter;
}

export interface AssemblerDeps {
  readonly builder: EnvelopeBuilder;
  readonly tracker: AckTracker;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly transactionMetadata?: TransactionMetadataTarget;
  readonly exactlyOnce?: ExactlyOnceStart;
  readonly output: AssemblyOutput;
}

export class TransactionAssembler {
  private tx: OpenTx | null = null;
  /** Debezium's source.sequence[0]: the end LSN of the last transaction that counts (see commit). */
  private lastCommitLsn: Lsn | null = null;
  /** Exactly-once: replayed transactions skipped so far (logged when the first new one starts). */
  private skipped = 0;
  private readonly tally = new EventTally();

  constructor(private readonly deps: AssemblerDeps) {}

  /** A PostgreSQL transaction is open (between its BEGIN and its COMMIT). */
  get inTransaction(): boolean {
    return this.tx !== null;
  }

  /** BEGIN at WAL position `walStart` (the transaction-metadata id of its BEGIN record). */
  begin(ev: BeginEvent, walStart: Lsn): void {
    const { exactlyOnce, transactionMetadata, tracker, output } = this.deps;
    const tx = openTx(ev.xid, ev.finalLsn, ev.commitTimeUs, exactlyOnce?.committed);
    this.tx = tx;
    if (tx.skip) this.skipped++;
    else this.noteSkipped();
    const fresh = exactlyOnce?.freshRead;
    if (fresh && !tx.skip) tx.seenBy = fresh.seenBy(ev.xid, ev.finalLsn);
    tracker.begin();
    if (transactionMetadata) {
      tx.meta = new OpenTransaction(ev.xid, ev.commitTimeUs / 1000n);
      // A replayed streamed transaction has no BEGIN message: its first change gives the position.
      if (output.replaying()) tx.beginPending = true;
      else this.pushTxRecord(tx, tx.meta.begin(walStart));
    }
  }

  commit(ev: CommitEvent): void {
    const tx = this.tx;
    if (tx?.meta) {
      if (tx.beginPending) this.pushTxRecord(tx, tx.meta.begin(ev.endLsn));
      this.pushTxRecord(tx, tx.meta.end(ev.endLsn));
    }
    // Exactly-once: the transaction's records (its last one at least, see the session's flush)
    // go out with a checkpoint, where the sink commits its Kafka transaction with this offset.
    if (this.deps.exactlyOnce && tx?.emitted) this.deps.output.checkpoint({ lsn: { commitLsn: tx.commitLsn, endLsn: ev.endLsn } });
    // Records of this transaction not yet sent are already reserved in the tracker.
    this.deps.tracker.commit(ev.endLsn);
    // Debezium's source.sequence[0] is the LSN the walsender stamped on the last COMMIT
    // message: the transaction's end LSN, not the commit record's own LSN (see OpenTx.counts).
    if (tx === null || tx.counts) this.lastCommitLsn = ev.endLsn;
    this.tx = null;
  }

  /** A change (or logical message) outside a streamed transaction, read at processing time `nowUs`. */
  data(ev: DataEvent, nowUs: bigint): void {
    const { builder, exactlyOnce, output } = this.deps;
    // A non-transactional logical message arrives outside BEGIN/COMMIT: its own LSN names it.
    const outside = this.tx === null;
    const tx = this.tx ?? openTx(0, ev.lsn, nowUs, exactlyOnce?.committed, 'message');
    // ... and such a message counts as a commit of its own for source.sequence, as in Debezium
    // (once emitted: a filtered-out one leaves it as it was).
    const lastCommitLsn = outside && ev.kind === 'message' && !ev.transactional ? ev.lsn : this.lastCommitLsn;
    if (tx.beginPending) {
      tx.beginPending = false;
      this.pushTxRecord(tx, tx.meta!.begin(ev.lsn));
    }
    let context = tx.context;
    if (context === undefined || context.lastCommitLsn !== lastCommitLsn || context.metadata !== tx.meta) {
      context = { xid: tx.xid, commitLsn: tx.commitLsn, commitTimeUs: tx.commitTimeUs, lastCommitLsn, metadata: tx.meta };
      tx.context = context;
    }
    const records = builder.records(ev, context, tx.index, nowUs);
    tx.index += records.length;
    if (!builder.isSkippedOperation(ev)) tx.counts = true;
    if (records.length === 0) return;
    this.lastCommitLsn = lastCommitLsn;
    // Built all the same (envelope state such as source.sequence must match the first delivery).
    if (tx.skip) return;
    if (tx.seenBy) {
      const kept = exactlyOnce!.freshRead!.keep(ev, tx.seenBy, records, tx.commitLsn);
      if (kept instanceof Promise) output.hold(kept, (held) => this.emit(tx, ev, held));
      else this.emit(tx, ev, kept);
      return;
    }
    this.emit(tx, ev, records);
    // A non-transactional message is a unit of its own.
    if (outside && exactlyOnce) output.checkpoint({ lsn: { commitLsn: ev.lsn, endLsn: ev.lsn } });
  }

  /** Hands the per-table event counts gathered since the last call to the metrics. */
  flushMetrics(): void {
    if (this.deps.metrics) this.tally.flush(this.deps.metrics);
  }

  /** Hands out the records of `ev` (none: nothing), counted for the metrics and the transaction. */
  private emit(tx: OpenTx, ev: DataEvent, records: readonly SinkRecord[]): void {
    if (records.length === 0) return;
    if (this.deps.metrics) this.tally.add(ev);
    this.deps.output.push(records, tx.commitTimeUs);
    tx.emitted = true;
  }

  /** A BEGIN or END record of envelope.transactionMetadata, with the transaction's next id. */
  private pushTxRecord(tx: OpenTx, text: TransactionRecordText): void {
    const meta = this.deps.transactionMetadata!;
    const record = transactionRecord(meta.topic, text, `${formatLsn(tx.commitLsn)}:${tx.index++}`, meta.schemas);
    // Exactly-once: a replayed transaction already in Kafka sends neither its data nor BEGIN/END.
    if (tx.skip) return;
    this.deps.output.push([record], tx.commitTimeUs);
    tx.emitted = true;
  }

  private noteSkipped(): void {
    if (this.skipped === 0) return;
    const committed = this.deps.exactlyOnce?.committed;
    const at = committed ? formatLsn(committed.commitLsn) : null;
    this.deps.logger.info({ skipped: this.skipped, committedLsn: at },
      `skipped ${this.skipped} replayed transaction(s) already committed to Kafka (commit LSN at or below ${at ?? '-'})`);
    this.skipped = 0;
  }
}

/**
 * The one way records reach a sink, for the stream session, snapshots and delete-missing
 * alike: records are batched into publish calls, several calls may be in flight under a bound
 * on unacknowledged records, a record to a topic not known to exist waits until the sink
 * ensured it, and the first failure latches.
 *
 * Records are numbered in push order (by `reserve`, the ack tracker's, or a counter from 0);
 * `onAcked` reports each acknowledged call as the range of numbers it held. After a failure
 * nothing more is published or reported: acks arriving later must not move a confirmed
 * position.
 */
import { ConnectorError, type ErrorCode } from '../errors';
import type { SinkCheckpoint, SinkRecord } from '../model/record';
import type { Sink } from './port';

export interface DispatcherOptions<M> {
  readonly sink: Sink;
  /** Records per publish call (at most `maxUnacked`). */
  readonly batchRecords: number;
  /** Bound on records pushed and not yet acknowledged (buffered + in flight): `full` at it. */
  readonly maxUnacked: number;
  /**
   * Topics known to exist, shared by the dispatchers of one connector. A record to any other
   * topic is published after `sink.ensureTopics` resolved for it. Absent: the caller ensured
   * every topic beforehand.
   */
  readonly knownTopics?: Set<string>;
  /**
   * Exactly-once, mid-transaction: a publish without a checkpoint keeps the last record
   * buffered, so it goes out with the transaction's checkpoint. The sink acknowledges pieces of
   * an open Kafka transaction as they are sent; were they all acknowledged, the tracker could
   * confirm the commit before Kafka committed it.
   */
  readonly holdLast?: () => boolean;
  /** Numbers `count` records in push order and returns the first; a counter from 0 by default. */
  readonly reserve?: (count: number) => number;
  /** A publish call was acknowledged: records [first, first + count); `mark` of its last push. */
  readonly onAcked?: (first: number, count: number, mark: M) => void;
  /** The first failure (a publish or ensureTopics), once; not for abort(). */
  readonly onError: (error: ConnectorError) => void;
  /** How a failure that is no ConnectorError is reported. */
  readonly failure: { readonly code: ErrorCode; readonly message: string };
}

export class Dispatcher<M = undefined> {
  private buffer: SinkRecord[] = [];
  /** Number of buffer[0]. */
  private bufferFirst = 0;
  private bufferMark!: M;
  private counter = 0;
  private inFlightRecords = 0;
  private ackedRecords = 0;
  private readonly pending = new Set<Promise<void>>();
  private waiters: Array<{ below: number; resolve: (room: boolean) => void }> = [];
  private topicGate: Promise<void> | null = null;
  private error: ConnectorError | null = null;
  private released = false;
  private readonly batchRecords: number;
  private readonly maxUnacked: number;

  constructor(private readonly options: DispatcherOptions<M>) {
    this.maxUnacked = Math.max(1, options.maxUnacked);
    this.batchRecords = Math.max(1, Math.min(options.batchRecords, this.maxUnacked));
  }

  /** Records acknowledged so far. */
  get acked(): number {
    return this.ackedRecords;
  }

  /** Records pushed and not yet handed to the sink. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Buffered records plus records handed to the sink and not yet acknowledged. */
  get unacked(): number {
    return this.buffer.length + this.inFlightRecords;
  }

  get full(): boolean {
    return this.unacked >= this.maxUnacked;
  }

  /** Publish calls not yet settled. */
  get sending(): boolean {
    return this.pending.size > 0;
  }

  get failure(): ConnectorError | null {
    return this.error;
  }

  /** Numbers and buffers `records`; a full batch is published. Throws after a failure. */
  push(records: readonly SinkRecord[], mark: M): void {
    this.admit(records.length, mark);
    for (const r of records) this.buffer.push(r);
    if (this.buffer.length >= this.batchRecords) this.flush();
  }

  /** push() of one record, without an array around it (the snapshot's per-row step). */
  pushOne(record: SinkRecord, mark: M): void {
    this.admit(1, mark);
    this.buffer.push(record);
    if (this.buffer.length >= this.batchRecords) this.flush();
  }

  /** Numbers `count` records about to be buffered; throws after a failure. */
  private admit(count: number, mark: M): void {
    if (this.error) throw this.error;
    const first = this.reserve(count);
    if (this.buffer.length === 0) this.bufferFirst = first;
    this.bufferMark = mark;
  }

  /**
   * Publishes what is buffered, then `records` in one call of their own committed with
   * `checkpoint` (exactly-once: one snapshot chunk is one Kafka transaction).
   */
  pushUnit(records: readonly SinkRecord[], checkpoint: SinkCheckpoint, mark: M): void {
    if (this.error) throw this.error;
    this.flush();
    const first = this.reserve(records.length);
    this.publish(records.slice(), first, checkpoint, mark);
  }

  /**
   * Publishes what is buffered, committed with `checkpoint` when given (see holdLast). A
   * checkpoint is published even with nothing buffered: the records it ends may already have
   * gone out without one (a push that filled a batch outside a held transaction), and dropping
   * it would leave them in an open Kafka transaction, acknowledged and not committed.
   */
  flush(checkpoint?: SinkCheckpoint): void {
    if (this.error || (this.buffer.length === 0 && checkpoint === undefined)) return;
    const records = this.buffer;
    const first = this.bufferFirst;
    this.buffer = [];
    if (checkpoint === undefined && this.options.holdLast?.()) {
      const held = records.pop()!;
      this.buffer = [held];
      this.bufferFirst = first + records.length;
      if (records.length === 0) return;
    }
    this.publish(records, first, checkpoint, this.bufferMark);
  }

  /**
   * Resolves true once fewer than `below` records are unacknowledged (publishing the buffer
   * if needed to get there); false once the dispatcher failed or was released.
   */
  waitForRoom(below = this.maxUnacked): Promise<boolean> {
    if (this.error || this.released) return Promise.resolve(false);
    if (this.unacked < below) return Promise.resolve(true);
    this.flush();
    if (this.unacked < below) return Promise.resolve(true);
    return new Promise((resolve) => this.waiters.push({ below, resolve }));
  }

  /** Resolves once there is room (waitForRoom); rejects with the failure instead of false. */
  async untilRoom(): Promise<void> {
    if (!(await this.waitForRoom())) throw this.error ?? new ConnectorError(this.options.failure.code, 'stopped while waiting for room to publish');
  }

  /** Waiting callers get false (their side is stopping); publishing goes on. */
  release(): void {
    this.released = true;
    this.wake();
  }

  /** Publishes what is buffered and resolves once all of it was acknowledged; rejects after a failure. */
  async settle(): Promise<void> {
    this.flush();
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    if (this.error) throw this.error;
  }

  /** Waits up to `timeoutMs` for the publish calls in flight; true when none is left. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise((r) => { timer = setTimeout(r, Math.max(1, deadline - Date.now())); });
      await Promise.race([Promise.allSettled([...this.pending]), expired]);
      clearTimeout(timer);
    }
    return this.pending.size === 0;
  }

  /** Stops publishing (the caller failed elsewhere): nothing more goes out, waiters get false. */
  abort(error: ConnectorError): void {
    this.latch(error);
  }

  private reserve(count: number): number {
    if (this.options.reserve) return this.options.reserve(count);
    const first = this.counter;
    this.counter += count;
    return first;
  }

  private publish(records: SinkRecord[], first: number, checkpoint: SinkCheckpoint | undefined, mark: M): void {
    const { sink } = this.options;
    this.ensureTopicsOf(records);
    const gate = this.topicGate;
    const sent = gate ? gate.then(() => sink.publish(records, checkpoint)) : sink.publish(records, checkpoint);
    this.inFlightRecords += records.length;
    const settled: Promise<void> = sent.then(
      () => {
        this.inFlightRecords -= records.length;
        this.pending.delete(settled);
        if (this.error) return;
        this.ackedRecords += records.length;
        this.options.onAcked?.(first, records.length, mark);
        this.wake();
      },
      (e: unknown) => {
        this.inFlightRecords -= records.length;
        this.pending.delete(settled);
        const { code, message } = this.options.failure;
        if (this.latch(e instanceof ConnectorError ? e : new ConnectorError(code, message, { cause: e }))) this.options.onError(this.error!);
      },
    );
    this.pending.add(settled);
  }

  /** Chains sink.ensureTopics for the topics of `records` not known yet; publishes wait on it. */
  private ensureTopicsOf(records: readonly SinkRecord[]): void {
    const known = this.options.knownTopics;
    if (!known) return;
    let fresh: string[] | null = null;
    for (const r of records) {
      if (!known.has(r.topic)) { known.add(r.topic); (fresh ??= []).push(r.topic); }
    }
    if (!fresh) return;
    const topics = fresh;
    const gate: Promise<void> = (this.topicGate ?? Promise.resolve()).then(() => this.options.sink.ensureTopics(topics));
    this.topicGate = gate;
    gate.then(() => { if (this.topicGate === gate) this.topicGate = null; }, () => { for (const t of topics) known.delete(t); });
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.error || this.released) w.resolve(false);
      else if (this.unacked < w.below) w.resolve(true);
      else this.waiters.push(w);
    }
  }

  private latch(error: ConnectorError): boolean {
    if (this.error) return false;
    this.error = error;
    this.buffer = [];
    this.wake();
    return true;
  }
}

/**
 * One streaming session: a replication connection's lifetime from START_REPLICATION until a
 * requested stop or the first failure. Each WAL message is decoded; the TransactionAssembler
 * (transaction-assembler.ts) turns its changes into records; records are published in batches
 * (several batches in flight); acks feed the AckTracker, and the ConfirmReporter
 * (confirm-reporter.ts) carries the tracker's confirmed LSN to the server. Keepalives let an idle
 * slot advance (idle-watch.ts).
 *
 * On any failure the session ends; the supervisor starts a new one, which resumes from the
 * slot's confirmed_flush_lsn (PostgreSQL resends every later commit). Nothing is skipped, and
 * ids are deterministic, so the redelivered duplicates are recognisable.
 *
 * Streamed in-progress transactions (pgoutput v2) are kept by `streamed` (streamed-tx.ts) until
 * their Stream Commit; then reading pauses, the transaction is replayed through the ordinary
 * path paced by acks, and messages that were already read meanwhile wait at the read gate (read-gate.ts).
 */
import { ConnectorError } from '../errors';
import type { ChangeEvent, Decoder, StreamCommitEvent } from '../model/change';
import type { EnvelopeBuilder } from '../envelope/builder';
import type { HeartbeatRecords } from '../envelope/heartbeat-record';
import { Dispatcher } from '../sink/dispatcher';
import type { Sink } from '../sink/port';
import type { CommittedOffset, SinkCheckpoint, SinkRecord } from '../model/record';
import { AckTracker } from '../offsets/ack-tracker';
import { LSN_ZERO, Lsn, formatLsn } from '../protocol/lsn';
import { ConfirmReporter } from './confirm-reporter';
import type { Logger } from '../observe/logger';
import type { ReplicationConnection } from '../source/replication-connection';
import type { Metrics } from '../observe/metrics';
import { TransactionAssembler, type ExactlyOnceStart, type TransactionMetadataTarget } from './transaction-assembler';
import { IdleWatch } from './idle-watch';
import { replayCommitted, type StreamedTransactions } from './streamed-tx';
import { ReadGate } from './read-gate';

export interface SessionOptions {
  readonly heartbeatMs: number;
  readonly maxInFlightEvents: number;
  /** Records per publish call. */
  readonly batchSize: number;
  /** Upper bound for waiting on in-flight publishes during a graceful stop. */
  readonly stopTimeoutMs: number;
}

export interface SessionDeps {
  readonly repl: ReplicationConnection;
  readonly decoder: Decoder;
  readonly builder: EnvelopeBuilder;
  readonly sink: Sink;
  readonly logger: Logger;
  readonly startLsn: Lsn;
  readonly options: SessionOptions;
  /** Topics already known to exist (shared across sessions). */
  readonly knownTopics: Set<string>;
  /**
   * Records `lsn` as confirmed before the server may hold it (the slot identity keeps the highest
   * confirmed position). The session sends only positions whose recording resolved; a rejection
   * fails the session.
   */
  readonly recordConfirmed?: (lsn: Lsn) => Promise<void>;
  readonly onConfirmed?: (lsn: Lsn) => void;
  readonly metrics?: Metrics;
  /** Keeps streamed in-progress transactions; required when the decoder streams them. */
  readonly streamed?: StreamedTransactions;
  readonly transactionMetadata?: TransactionMetadataTarget;
  /** heartbeat.intervalMs > 0: a heartbeat record (and the action query, if any) every intervalMs. */
  readonly heartbeat?: { readonly intervalMs: number; readonly records: HeartbeatRecords; readonly action?: () => Promise<void> };
  readonly exactlyOnce?: ExactlyOnceStart;
}

export class StreamSession {
  readonly tracker: AckTracker;
  /** The processing time of the last WAL message: Date.now() and it in µs. */
  private clockMs = -1;
  private clockUs = 0n;
  /** Batches records to the sink; numbers them in the tracker, in stream order. */
  private readonly out: Dispatcher<bigint>;
  /** Decoded changes -> the records of their transaction (transaction-assembler.ts). */
  private readonly assembler: TransactionAssembler;
  /** Commit time (µs) of the newest transaction with records pushed: behind-source metric. */
  private batchCommitUs = 0n;
  /** Exactly-once: the offset of the last checkpoint flushed (at start: the committed one). */
  private lastCheckpoint: CommittedOffset | null;
  private flushScheduled = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  /** Keepalives advance an idle slot; a quiet interval reads as caught up (idle-watch.ts). */
  private readonly idle: IdleWatch;
  private readonly reporter: ConfirmReporter;
  private failure: ConnectorError | null = null;
  private stopping = false;
  /** end() ran: the session is over, its timers stopped. */
  private ended = false;
  private settle!: { resolve: () => void; reject: (e: ConnectorError) => void };
  /** Closed while a streamed transaction is replayed or a change's records wait (read-gate.ts). */
  private readonly gate = new ReadGate();
  /** WAL position of the message being decoded (a BEGIN's is its transaction-metadata id). */
  private walStart: Lsn = LSN_ZERO;
  readonly finished: Promise<void>;

  constructor(private readonly deps: SessionDeps) {
    this.lastCheckpoint = deps.exactlyOnce?.committed ?? null;
    this.tracker = new AckTracker(deps.startLsn);
    this.out = new Dispatcher<bigint>({
      sink: deps.sink,
      batchRecords: deps.options.batchSize,
      maxUnacked: deps.options.maxInFlightEvents,
      knownTopics: deps.knownTopics,
      reserve: (count) => this.tracker.reserve(count),
      holdLast: () => deps.exactlyOnce !== undefined && this.assembler.inTransaction,
      onAcked: (first, count, commitUs) => this.onAcked(first, count, commitUs),
      onError: (e) => { deps.metrics?.sinkError(); this.fail(e); },
      failure: { code: 'SINK_SEND', message: 'publish failed' },
    });
    this.assembler = new TransactionAssembler({
      builder: deps.builder,
      tracker: this.tracker,
      logger: deps.logger,
      metrics: deps.metrics,
      transactionMetadata: deps.transactionMetadata,
      exactlyOnce: deps.exactlyOnce,
      output: {
        push: (records, commitTimeUs) => this.push(records, commitTimeUs),
        checkpoint: (checkpoint) => this.flush(checkpoint),
        hold: (kept, emit) => this.hold(kept, emit),
        replaying: () => this.gate.replaying,
      },
    });
    this.idle = new IdleWatch({
      tracker: this.tracker,
      nothingOutstanding: () => this.out.buffered === 0 && !this.out.sending && this.gate.empty,
      advanced: (before) => this.confirmedFrom(before),
      metrics: deps.metrics,
      intervalMs: deps.options.heartbeatMs,
    });
    this.reporter = new ConfirmReporter({
      confirmed: () => this.tracker.confirmed,
      send: (lsn) => deps.repl.sendStatus(lsn),
      recordConfirmed: deps.recordConfirmed,
      heartbeatMs: deps.options.heartbeatMs,
      logger: deps.logger,
      failed: () => this.failure !== null,
      stopping: () => this.stopping,
      onRecordFailed: (e) => this.fail(e),
    }, deps.startLsn);
    this.finished = new Promise<void>((resolve, reject) => { this.settle = { resolve, reject }; });
    // A rejection nobody awaits yet must not crash the process; run() returns `finished`.
    this.finished.catch(() => undefined);
  }

  /**
   * Starts streaming; resolves when the session ended cleanly, rejects on failure. `onStreaming`
   * runs once the server has accepted the stream (not for a stream refused as it starts).
   */
  async run(pluginOptions: string, onStreaming?: () => void): Promise<void> {
    const { repl, logger, startLsn } = this.deps;
    await repl.start(startLsn, pluginOptions, {
      xlogData: (walStart, _walEnd, data) => this.onXLogData(walStart, data),
      keepalive: (walEnd, replyRequested) => this.onKeepalive(walEnd, replyRequested),
      closed: (error) => this.onClosed(error),
    });
    // The server may refuse the stream in the bytes that start it: the session then already
    // ended, and timers started now would outlive it.
    if (this.ended) return this.finished;
    // A broker lost while nothing is published ends the session now, not at the next change.
    this.deps.sink.onFailure?.((e) => this.fail(e));
    logger.info({ slot: repl.slot, startLsn: formatLsn(startLsn) }, 'streaming changes');
    onStreaming?.();
    this.reporter.start();
    const hb = this.deps.heartbeat;
    if (hb) this.heartbeatTimer = setInterval(() => this.heartbeat(), hb.intervalMs);
    this.idle.start();
    return this.finished;
  }

  /** Graceful stop: stop reading, publish what was read, wait for acks, confirm, close. */
  async stop(reason: string): Promise<void> {
    if (this.stopping) return this.finished.catch(() => undefined);
    this.stopping = true;
    const { repl, logger, options } = this.deps;
    repl.pause();
    this.out.release(); // a replay in progress ends without its commit
    this.flush();
    const drained = await this.out.drain(options.stopTimeoutMs);
    if (!this.failure) await this.reporter.record(this.tracker.confirmed).catch(() => undefined);
    this.reporter.report(true);
    logger.info({ reason, confirmedLsn: formatLsn(this.tracker.confirmed), drained, inFlight: this.tracker.inFlight }, 'stopping stream');
    await repl.close();
    this.end(this.failure ?? undefined);
    return this.finished.catch(() => undefined);
  }

  private onXLogData(walStart: Lsn, data: Buffer): void {
    if (this.failure) return;
    this.idle.data();
    if (this.gate.closed) { this.gate.queue(walStart, data); return; }
    let events: readonly ChangeEvent[];
    this.walStart = walStart;
    try {
      events = this.deps.decoder.decode(data, walStart);
    } catch (e) {
      this.fail(e instanceof ConnectorError ? e : new ConnectorError('DECODE', 'cannot decode change', { cause: e, context: { lsn: formatLsn(walStart) } }));
      return;
    }
    // Processing time (envelope ts_ms/ts_us): one clock read per WAL message, not per event,
    // and a new bigint only when the millisecond changed.
    const ms = Date.now();
    if (ms !== this.clockMs) {
      this.clockMs = ms;
      this.clockUs = BigInt(ms) * 1000n;
    }
    if (!this.events(events, 0, this.clockUs)) return;
    this.afterEvents();
  }

  /** Runs events[from..] until one holds the rest back (kept by the gate); false on failure. */
  private events(events: readonly ChangeEvent[], from: number, nowUs: bigint): boolean {
    try {
      for (let i = from; i < events.length; i++) {
        this.onEvent(events[i]!, nowUs);
        if (this.gate.holding) {
          this.gate.keepRest({ events, next: i + 1, nowUs });
          return true;
        }
      }
    } catch (e) {
      this.fail(e instanceof ConnectorError ? e : new ConnectorError('STATE', 'cannot keep a streamed transaction', { cause: e, context: { lsn: formatLsn(this.walStart) } }));
      return false;
    }
    return true;
  }

  private afterEvents(): void {
    if (this.out.buffered > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    if (this.out.full && !this.deps.repl.isPaused && !this.gate.replaying) {
      this.deps.logger.debug({ unacked: this.out.unacked }, 'pausing replication stream (backpressure)');
      this.deps.repl.pause();
    }
  }

  private onEvent(ev: ChangeEvent, nowUs: bigint): void {
    switch (ev.kind) {
      case 'begin':
        this.assembler.begin(ev, this.walStart);
        return;
      case 'commit':
        this.assembler.commit(ev);
        return;
      case 'relation':
        return;
      case 'streamStart':
        this.streamedTxs().start(ev);
        return;
      case 'streamStop':
        this.streamedTxs().stop();
        return;
      case 'streamAbort':
        this.streamedTxs().abort(ev);
        return;
      case 'streamCommit':
        this.replay(ev);
        return;
      default:
        if (ev.xid !== undefined) this.streamedTxs().data(ev);
        else this.assembler.data(ev, nowUs);
    }
  }

  /** Numbers `records` in the tracker (stream order) and hands them to the dispatcher. */
  private push(records: readonly SinkRecord[], commitTimeUs: bigint): void {
    this.batchCommitUs = commitTimeUs;
    this.out.push(records, commitTimeUs);
  }

  /**
   * Waits for the records of a replayed change PostgreSQL must place (FreshReadFilter.keep),
   * then sends them and goes on with what waited behind them, in order.
   */
  private hold(kept: Promise<SinkRecord[]>, emit: (records: readonly SinkRecord[]) => void): void {
    this.gate.holding = true;
    this.deps.repl.pause();
    kept.then((records) => {
      // A replay waiting in room() for this hold learns there of the end.
      if (this.failure || this.stopping) { this.gate.wake(); return; }
      emit(records);
      this.gate.holding = false;
      this.gate.wake();
      // Inside a replay the replay goes on (it waited in room()) and drains the queue at its end.
      if (!this.gate.replaying) this.drainQueued();
    }, (e: unknown) => {
      // A stop closes the key-range connection under a query in flight: that is how it ends.
      if (!this.stopping) this.fail(e instanceof ConnectorError ? e : new ConnectorError('STATE', 'cannot place a replayed key', { cause: e }));
      this.gate.wake();
    });
  }

  /**
   * Runs what waited while reading was paused, in order (the rest of a held WAL message's events,
   * then the messages that arrived), until something waits again.
   */
  private drainQueued(): void {
    const rest = this.gate.takeRest();
    if (rest && !this.events(rest.events, rest.next, rest.nowUs)) return;
    if (this.gate.closed) return;
    const queued = this.gate.takeQueued();
    for (let i = 0; i < queued.length; i++) {
      this.onXLogData(queued[i]!.walStart, queued[i]!.data);
      // Another Stream Commit started a replay, or a key waits: the rest waits behind it, in order.
      if (this.gate.closed) { this.gate.requeue(queued.slice(i + 1)); return; }
    }
    this.afterEvents();
    if (!this.stopping && this.deps.repl.isPaused && !this.out.full) this.deps.repl.resume();
  }

  private streamedTxs(): StreamedTransactions {
    if (!this.deps.streamed) throw new ConnectorError('PROTOCOL', 'the server streams an in-progress transaction, which this session did not ask for');
    return this.deps.streamed;
  }

  /** Replays a committed streamed transaction; reading resumes (and queued messages run) after it. */
  private replay(commit: StreamCommitEvent): void {
    const tx = this.streamedTxs().commit(commit);
    this.gate.replaying = true;
    this.deps.repl.pause();
    // Processing time: one clock read per 1024 replayed changes (as per WAL message otherwise).
    let nowUs = 0n;
    let fed = 0;
    const target = {
      event: (ev: ChangeEvent) => {
        if ((fed++ & 1023) === 0) nowUs = BigInt(Date.now()) * 1000n;
        this.onEvent(ev, nowUs);
      },
      full: () => this.failure !== null || this.stopping || this.out.full || this.gate.holding,
      room: () => this.room(),
    };
    replayCommitted(tx, commit, target).then((done) => {
      if (!done || this.failure) return;
      this.flush();
      this.gate.replaying = false;
      this.drainQueued();
    }, (e: unknown) => {
      this.fail(e instanceof ConnectorError ? e : new ConnectorError('STATE', 'cannot replay a streamed transaction', { cause: e, context: { xid: commit.xid } }));
    });
  }

  /**
   * Resolves true once at most half of maxInFlightEvents records are unacknowledged (publishing
   * what is buffered); false when the session ends.
   */
  private room(): Promise<boolean> {
    if (this.failure || this.stopping) return Promise.resolve(false);
    if (this.gate.holding) return this.gate.untilReleased().then(() => this.room());
    if (!this.out.full) return Promise.resolve(true);
    return this.out.waitForRoom(Math.floor(this.deps.options.maxInFlightEvents / 2) + 1);
  }

  private flush(checkpoint?: SinkCheckpoint): void {
    this.flushScheduled = false;
    if (this.failure) return;
    if (checkpoint?.lsn) this.lastCheckpoint = checkpoint.lsn;
    if (this.deps.metrics) {
      this.assembler.flushMetrics();
      this.deps.metrics.inflightEvents(this.tracker.inFlight);
    }
    this.out.flush(checkpoint);
  }

  private onAcked(first: number, count: number, commitUs: bigint): void {
    if (this.failure) return; // acks after a failure must not move the confirmed position
    const before = this.tracker.confirmed;
    this.tracker.ack(first, first + count);
    const metrics = this.deps.metrics;
    if (metrics) {
      metrics.acked(count);
      metrics.inflightEvents(this.tracker.inFlight);
      metrics.behindSource(Date.now() - Number(commitUs / 1000n));
    }
    this.confirmedFrom(before);
    if (!this.stopping && !this.gate.closed && this.deps.repl.isPaused && this.out.unacked <= this.deps.options.maxInFlightEvents / 2) {
      this.deps.repl.resume();
    }
  }

  private onKeepalive(walEnd: Lsn, replyRequested: boolean): void {
    this.idle.keepalive(walEnd);
    if (replyRequested) this.reporter.report(true);
  }

  /** Tells onConfirmed (the metric, /health's confirmedLsn) when an ack or an idle advance moved the position. */
  private confirmedFrom(before: Lsn): void {
    if (this.tracker.confirmed !== before) this.deps.onConfirmed?.(this.tracker.confirmed);
  }

  /**
   * A heartbeat: the slot may advance if idle; the heartbeat record is published (through the
   * tracker like any record, so a commit after it waits for its ack); the action query runs.
   * Exactly-once: outside a PostgreSQL transaction it is committed at once, with the offset of
   * the last checkpoint this session flushed (the one read at start before any). Not with an
   * offset-less checkpoint: the sink may commit it in one Kafka transaction with checkpoints
   * still queued before it, and only the batch's last checkpoint names the offset, which would
   * then lag the records committed (a restart would send them again). Sent as a piece instead, it would open a Kafka transaction that
   * only the next PostgreSQL commit ends: on an idle database the broker aborts it after the
   * transaction timeout and fences the producer (SINK_FENCED, which stops the connector).
   * Inside a transaction it goes with that transaction's checkpoint.
   */
  private heartbeat(): void {
    const hb = this.deps.heartbeat;
    if (!hb || this.failure || this.stopping) return;
    this.idle.advance();
    this.push([hb.records.record(Date.now())], this.batchCommitUs);
    if (this.deps.exactlyOnce && !this.assembler.inTransaction && !this.gate.closed) this.flush(this.lastCheckpoint ? { lsn: this.lastCheckpoint } : {});
    this.afterEvents();
    if (hb.action) void hb.action();
  }

  private fail(error: ConnectorError): void {
    if (this.failure) return;
    this.failure = error;
    // ABORTED during a requested stop (stdout closed by `| head`) is how the stop ends, not a failure.
    const level = this.stopping && error.code === 'ABORTED' ? 'info' : 'error';
    this.deps.logger[level]({ err: error, confirmedLsn: formatLsn(this.tracker.confirmed) }, `stream session failed: ${error.message}`);
    // Confirm nothing more: the next session resumes from what the server already has.
    this.out.abort(error);
    this.deps.repl.destroy();
    this.end(error);
  }

  private onClosed(error?: ConnectorError): void {
    if (this.stopping) return;
    this.fail(error ?? new ConnectorError('REPLICATION_STREAM', 'replication stream ended unexpectedly', { context: { slot: this.deps.repl.slot } }));
  }

  private end(error?: ConnectorError): void {
    this.ended = true;
    // Nothing is in flight for a session that is over (the next one sends it again); a gauge
    // left at its last value would show a stall that is not there.
    this.deps.metrics?.inflightEvents(0);
    this.reporter.stop();
    if (this.heartbeatTimer) { clearInterval(this.heartbeatTimer); this.heartbeatTimer = null; }
    this.idle.stop();
    this.out.release();
    this.gate.clear();
    try {
      this.deps.streamed?.close();
    } catch (e) {
      this.deps.logger.warn({ err: e }, 'cannot remove the spill directory');
    }
    if (error) this.settle.reject(error);
    else this.settle.resolve();
  }
}

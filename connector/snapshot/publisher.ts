/**
 * Batches snapshot records to the sink with a bound on unacknowledged records. Several batches
 * may be in flight; `unacked` counts buffered plus published-but-unacked records, and readers
 * await `waitForRoom()` whenever it reached the bound (flushing the partial batch first, so a
 * bound below the batch size cannot stall). The first publish failure latches: later calls and
 * waiters reject with it, and `onError` is told once.
 */
import { ConnectorError } from '../errors';
import type { Sink } from '../sink/port';
import type { SinkCheckpoint, SinkRecord } from '../model/record';

export interface PublisherOptions {
  readonly batchRecords: number;
  readonly maxInFlightRecords: number;
  readonly onError: (error: ConnectorError) => void;
  /** Told each time the broker acknowledged a batch (for /metrics). */
  readonly onAcked?: (count: number) => void;
}

export class SnapshotPublisher {
  private buffer: SinkRecord[] = [];
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();
  private waiters: Array<{ resolve: () => void; reject: (e: ConnectorError) => void }> = [];
  private error: ConnectorError | null = null;
  private ackedCount = 0;
  private readonly batchRecords: number;
  private readonly maxInFlight: number;

  constructor(private readonly sink: Sink, private readonly options: PublisherOptions) {
    this.maxInFlight = Math.max(1, options.maxInFlightRecords);
    this.batchRecords = Math.max(1, Math.min(options.batchRecords, this.maxInFlight));
  }

  get acked(): number {
    return this.ackedCount;
  }

  /** Buffered + published records not yet acknowledged. */
  get unacked(): number {
    return this.buffer.length + this.inFlight;
  }

  get full(): boolean {
    return this.unacked >= this.maxInFlight;
  }

  push(record: SinkRecord): void {
    if (this.error) throw this.error;
    this.buffer.push(record);
    if (this.buffer.length >= this.batchRecords) this.send();
  }

  /**
   * Exactly-once: publishes `records` (one snapshot chunk) as one unit, committed with
   * `checkpoint`, after what is buffered.
   */
  pushUnit(records: readonly SinkRecord[], checkpoint: SinkCheckpoint): void {
    if (this.error) throw this.error;
    this.send();
    this.publish([...records], checkpoint);
  }

  /** Resolves once there is room for more records; rejects after a publish failure. */
  waitForRoom(): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (!this.full) return Promise.resolve();
    this.send();
    if (!this.full) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Publishes what is buffered and resolves when every record was acknowledged. */
  async flush(): Promise<void> {
    this.send();
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (this.error) throw this.error;
  }

  private send(): void {
    if (this.error || this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.publish(batch, undefined);
  }

  private publish(batch: SinkRecord[], checkpoint: SinkCheckpoint | undefined): void {
    this.inFlight += batch.length;
    const p: Promise<void> = this.sink.publish(batch, checkpoint).then(
      () => {
        this.inFlight -= batch.length;
        this.ackedCount += batch.length;
        this.options.onAcked?.(batch.length);
        this.pending.delete(p);
        this.wake();
      },
      (e: unknown) => {
        this.inFlight -= batch.length;
        this.pending.delete(p);
        this.fail(e instanceof ConnectorError ? e : new ConnectorError('SNAPSHOT', 'publishing snapshot records failed', { cause: e }));
      },
    );
    this.pending.add(p);
  }

  private wake(): void {
    if (this.full || this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }

  /** Stops accepting records (the snapshot failed elsewhere); waiting readers reject. */
  abort(error: ConnectorError): void {
    this.latch(error);
  }

  private fail(error: ConnectorError): void {
    if (this.latch(error)) this.options.onError(error);
  }

  private latch(error: ConnectorError): boolean {
    if (this.error) return false;
    this.error = error;
    this.buffer = [];
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
    return true;
  }
}

/**
 * Ordered batching for the Kafka sink: publish() calls append to one FIFO; a single sender takes
 * up to `maxBatchRecords` records from its head (across call boundaries) and hands them to
 * `send`, one batch at a time.
 *
 * Why one batch in flight:
 * - Order. Records of an earlier publish() reach every partition before records of a later one;
 *   two overlapping produce requests could be retried in different orders.
 * - The idempotent producer (@platformatic/kafka) numbers each partition's records when a send
 *   starts. If one of two overlapping sends fails, the broker rejects the later one
 *   (OUT_OF_ORDER_SEQUENCE_NUMBER) and the library recovers it under a new producer id, ahead
 *   of the retried earlier one: a reorder. One send at a time has nothing to overtake.
 * Throughput comes from size instead: while one batch is in flight, later calls accumulate and
 * the next batch takes them all at once (up to maxBatchRecords).
 *
 * Failure latch: once a batch fails (after the client library's retries) or times out, that batch, every
 * queued record and every later enqueue() reject with the same error until the sink is
 * recreated. Nothing after a failed batch is ever sent, so no later record can be acked (and
 * overtake, per key, a record that was not stored); the pipeline restarts from the slot's
 * confirmed LSN and PostgreSQL resends everything after it, the failed batch included.
 */
import { ConnectorError } from '../../errors';

export interface SendQueueOptions<T> {
  readonly maxBatchRecords: number;
  /** A batch not acked within this long fails the queue (the client library may still be retrying). */
  readonly deliveryTimeoutMs: number;
  /** Stores the batch; resolves once the broker acked all of it. */
  readonly send: (batch: readonly T[]) => Promise<void>;
  /** Turns a send failure (or timeout) into the error every pending call rejects with. */
  readonly toError: (cause: unknown, batch: readonly T[], timedOut: boolean) => ConnectorError;
}

interface PendingCall<T> {
  readonly items: readonly T[];
  /** Items handed to send() so far. */
  taken: number;
  /** Items acked so far. */
  acked: number;
  readonly resolve: () => void;
  readonly reject: (err: ConnectorError) => void;
}

export class SendQueue<T> {
  private readonly calls: PendingCall<T>[] = [];
  private sending = false;
  private failure: ConnectorError | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: SendQueueOptions<T>) {
    if (!(options.maxBatchRecords >= 1)) throw new RangeError('maxBatchRecords must be >= 1');
  }

  /** The error that latched the queue, if any. */
  get failed(): ConnectorError | undefined {
    return this.failure;
  }

  /** Records queued or in flight. */
  get pending(): number {
    return this.calls.reduce((n, c) => n + c.items.length - c.acked, 0);
  }

  /** Resolves when every item is acked; rejects with the latched error otherwise. */
  enqueue(items: readonly T[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.calls.push({ items, taken: 0, acked: 0, resolve, reject });
      this.pump();
    });
  }

  /** Latches `err`: rejects everything pending and every later enqueue(). */
  fail(err: ConnectorError): void {
    if (this.failure) return;
    this.failure = err;
    const calls = this.calls.splice(0);
    for (const c of calls) c.reject(err);
    this.notifyIdle();
  }

  /** Resolves true once nothing is pending (or the queue failed), false after `timeoutMs`. */
  async whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.calls.length === 0 && !this.sending) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([idle, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private notifyIdle(): void {
    if (this.calls.length > 0 || this.sending) return;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }

  private pump(): void {
    if (this.sending || this.failure || this.calls.length === 0) return;
    const batch: T[] = [];
    const segments: { call: PendingCall<T>; count: number }[] = [];
    for (const call of this.calls) {
      if (batch.length >= this.options.maxBatchRecords) break;
      const count = Math.min(call.items.length - call.taken, this.options.maxBatchRecords - batch.length);
      if (count === 0) continue;
      for (let i = call.taken; i < call.taken + count; i++) batch.push(call.items[i]);
      call.taken += count;
      segments.push({ call, count });
    }
    this.sending = true;
    void this.sendOne(batch).then((err) => {
      this.sending = false;
      if (err) {
        this.fail(err);
        return;
      }
      for (const { call, count } of segments) call.acked += count;
      while (this.calls.length > 0 && this.calls[0].acked === this.calls[0].items.length) {
        this.calls.shift()?.resolve();
      }
      this.notifyIdle();
      this.pump();
    });
  }

  /** Resolves with the error instead of rejecting, so the pump has one code path. */
  private async sendOne(batch: readonly T[]): Promise<ConnectorError | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const sent = this.options.send(batch).then(
      () => undefined,
      (e: unknown) => this.options.toError(e, batch, false),
    );
    const timedOut = new Promise<ConnectorError>((resolve) => {
      timer = setTimeout(
        () => resolve(this.options.toError(new Error(`not acknowledged within ${this.options.deliveryTimeoutMs} ms`), batch, true)),
        this.options.deliveryTimeoutMs,
      );
    });
    try {
      return await Promise.race([sent, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

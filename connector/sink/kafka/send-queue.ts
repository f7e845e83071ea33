/**
 * Ordered batching for the Kafka sink: publish() calls append to one FIFO; a single sender takes
 * up to `maxBatchRecords` records, and at most `maxBatchBytes` by `sizeOf`, from its head (across
 * call boundaries) and hands them to `send`, one batch at a time. A batch always holds at least
 * one record, however large (the broker is the judge of a single record).
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
 *
 * Checkpoints (exactly-once): a call may carry a checkpoint, meaning "my last item ends a unit
 * that may be committed" (whole PostgreSQL transactions, a snapshot batch). With
 * `checkpoints: true` a batch ends at the last checkpoint it reaches, and send() is told that
 * checkpoint (it commits the Kafka transaction there); a batch that reaches none is a piece of
 * one unit, sent inside the open transaction. Items of such a piece count as acked once sent:
 * the unit's last item only acks with the commit, and the pipeline confirms a PostgreSQL commit
 * only when every record up to its last one is acked. A call of no items with a checkpoint
 * commits what earlier pieces sent.
 */
import { ConnectorError } from '../../errors';

export interface SendQueueOptions<T, C = never> {
  readonly maxBatchRecords: number;
  /** With sizeOf: a batch's sizes add up to at most this (unless its one record is larger). */
  readonly maxBatchBytes?: number;
  readonly sizeOf?: (item: T) => number;
  /** Cut batches at checkpoints (see above). Default false: checkpoints are ignored. */
  readonly checkpoints?: boolean;
  /** A batch not acked within this long fails the queue (the client library may still be retrying). */
  readonly deliveryTimeoutMs: number;
  /** Stores the batch; resolves once the broker acked all of it. */
  readonly send: (batch: readonly T[], checkpoint: C | undefined) => Promise<void>;
  /** Turns a send failure (or timeout) into the error every pending call rejects with. */
  readonly toError: (cause: unknown, batch: readonly T[], timedOut: boolean) => ConnectorError;
}

interface PendingCall<T, C> {
  readonly items: readonly T[];
  readonly checkpoint: C | undefined;
  /** A batch that ended at (or after) this call's checkpoint was sent: the unit is committed. */
  committed: boolean;
  /** Items handed to send() so far. */
  taken: number;
  /** Items acked so far. */
  acked: number;
  readonly resolve: () => void;
  readonly reject: (err: ConnectorError) => void;
}

export class SendQueue<T, C = never> {
  private readonly calls: PendingCall<T, C>[] = [];
  private sending = false;
  private failure: ConnectorError | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: SendQueueOptions<T, C>) {
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
  enqueue(items: readonly T[], checkpoint?: C): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const cut = this.options.checkpoints === true && checkpoint !== undefined;
    if (items.length === 0 && !cut) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.calls.push({ items, checkpoint: cut ? checkpoint : undefined, committed: false, taken: 0, acked: 0, resolve, reject });
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
    const max = this.options.maxBatchRecords;
    const { sizeOf, maxBatchBytes = Infinity } = this.options;
    // Plan: how many items of each call from the head, then (with checkpoints) cut back to the
    // last checkpoint reached, so a committed batch never holds part of a later unit.
    const plan: { call: PendingCall<T, C>; count: number }[] = [];
    let size = 0;
    let bytes = 0;
    let full = false;
    let cutAt = -1;
    for (const call of this.calls) {
      const rest = call.items.length - call.taken;
      if ((full || size >= max) && !(rest === 0 && call.checkpoint !== undefined)) break;
      let count = Math.min(rest, max - size);
      if (sizeOf !== undefined) {
        for (let n = 0; n < count; n++) {
          const b = sizeOf(call.items[call.taken + n]);
          if (size + n > 0 && bytes + b > maxBatchBytes) {
            count = n;
            full = true;
            break;
          }
          bytes += b;
        }
      }
      plan.push({ call, count });
      size += count;
      if (call.checkpoint !== undefined && count === rest) cutAt = plan.length;
      if (count < rest) break;
    }
    if (cutAt > 0) plan.length = cutAt;
    const last = plan[plan.length - 1];
    const checkpoint = last && last.count === last.call.items.length - last.call.taken ? last.call.checkpoint : undefined;
    const batch: T[] = [];
    const segments: { call: PendingCall<T, C>; count: number }[] = [];
    for (const { call, count } of plan) {
      for (let i = call.taken; i < call.taken + count; i++) batch.push(call.items[i]);
      call.taken += count;
      segments.push({ call, count });
    }
    if (batch.length === 0 && checkpoint === undefined) return;
    this.sending = true;
    void this.sendOne(batch, checkpoint).then((err) => {
      this.sending = false;
      if (err) {
        this.fail(err);
        return;
      }
      for (const { call, count } of segments) {
        call.acked += count;
        // Every checkpointed call in a committed batch is in it whole (the cut above).
        if (checkpoint !== undefined) call.committed = true;
      }
      while (this.calls.length > 0 && this.done(this.calls[0])) this.calls.shift()?.resolve();
      this.notifyIdle();
      this.pump();
    });
  }

  private done(call: PendingCall<T, C>): boolean {
    return call.acked === call.items.length && (call.checkpoint === undefined || call.committed);
  }

  /** Resolves with the error instead of rejecting, so the pump has one code path. */
  private async sendOne(batch: readonly T[], checkpoint: C | undefined): Promise<ConnectorError | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const sent = this.options.send(batch, checkpoint).then(
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

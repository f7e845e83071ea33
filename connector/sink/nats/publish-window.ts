/**
 * A bounded window of publishes in flight, independent of the NATS client so it can be tested
 * with a fake `send`.
 *
 * Order. Items are sent strictly in submission order (FIFO across `submit` calls) on one
 * connection, and the server stores what arrives on one connection in arrival order. So while
 * nothing fails, acks may complete out of order inside the window but the stream order equals
 * submission order: out-of-order *completion* cannot reorder the stream.
 *
 * Failure. A timeout does not mean "not stored" (the ack may be what got lost), so a failed item
 * is retried with the SAME id and the stream's duplicate window turns a second copy into a
 * `duplicate` ack. Retrying is where order can break: if A (earlier) was lost and B (later, same
 * window) was stored, resending A stores it after B. To keep that window as small as possible:
 * after a retriable failure no new item is sent; once the window has drained, the failed items are
 * resent one at a time in submission order, then normal sending resumes. While the connection
 * is known to be down the window shrinks to 1. The residual case (A lost in the dying socket,
 * B already stored) is detected and logged at warn; only a window of 1 excludes it.
 *
 * Logging: an episode (from the first failure until the failed items are resent) is logged at
 * warn once, when it starts, with the number of publishes then in flight, and once more if a
 * resend fails; every further failure of the same episode (one per in-flight publish on an ack
 * timeout, one per resend attempt) is logged at debug.
 *
 * Once an item fails for good (non-retriable error or retries exhausted), every pending and later
 * submission rejects with the same SINK_SEND error until the owner stops the sink: the pipeline
 * restarts from the slot's confirmed LSN.
 */
import { ConnectorError, ErrorContext } from '../../errors';
import { Logger } from '../../observe/logger';
import { backoffDelay } from '../../retry';
import type { RetryPolicy } from './backoff';

export interface SendResult { duplicate: boolean }
export type SendDone = (error: unknown, result: SendResult | null) => void;

export interface PublishWindowOptions<T> {
  readonly maxInFlight: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  /** Sends `item`; calls `done` exactly once, never synchronously, with the error (null on success) and the result. */
  send(item: T, done: SendDone): void;
  isRetriable(error: unknown): boolean;
  /** Context for logs and errors (subject, id); never the payload. */
  describe(item: T): ErrorContext;
  sleep?: (ms: number) => Promise<void>;
}

interface Call { remaining: number; settled: boolean; resolve(): void; reject(e: unknown): void }
interface Entry<T> { item: T; index: number; attempts: number; call: Call }

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class PublishWindow<T> {
  /** Not yet sent, FIFO; `head` avoids Array.shift, which is O(n) on large arrays. */
  private queue: Entry<T>[] = [];
  private head = 0;
  private readonly failed: Entry<T>[] = [];
  private inFlight = 0;
  /** Entries taken from `failed` by the running recovery and not yet settled. */
  private retrying = 0;
  private nextIndex = 0;
  /** Highest submission index acked by normal (non-recovery) sending. */
  private maxAckedIndex = -1;
  private recovering = false;
  private recoveryRunning = false;
  /** The running episode's resend failure was logged at warn. */
  private resendWarned = false;
  private connected = true;
  private fatal: ConnectorError | null = null;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: PublishWindowOptions<T>) {
    if (!Number.isInteger(opts.maxInFlight) || opts.maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${opts.maxInFlight}`);
    this.sleep = opts.sleep ?? realSleep;
  }

  get failure(): ConnectorError | null { return this.fatal; }
  get pending(): number { return this.queue.length - this.head + this.inFlight + this.failed.length + this.retrying; }

  /** Resolves when every item is acked (stored or duplicate); rejects with SINK_SEND otherwise. */
  submit(items: readonly T[]): Promise<void> {
    if (this.fatal !== null) return Promise.reject(this.fatal);
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const call: Call = { remaining: items.length, settled: false, resolve, reject };
      for (const item of items) this.queue.push({ item, index: this.nextIndex++, attempts: 0, call });
      this.pump();
    });
  }

  /** Connection state from the client's status events; while down, at most one item in flight. */
  setConnected(connected: boolean): void {
    this.connected = connected;
    if (connected) this.pump();
  }

  /** Resolves when nothing is queued, in flight or awaiting retry (or the window failed). */
  whenIdle(): Promise<void> {
    if (this.pending === 0 || this.fatal !== null) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Rejects everything not yet acked with `error`; later submissions reject too. */
  abort(error: ConnectorError): void {
    if (this.fatal !== null) return;
    this.fatal = error;
    const queued = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const e of queued) this.settle(e, error);
    for (const e of this.failed.splice(0)) this.settle(e, error);
    // In-flight entries are rejected when their send settles (see onSettled).
    this.notifyIdle();
  }

  private pump(): void {
    const limit = this.connected ? this.opts.maxInFlight : 1;
    while (this.fatal === null && !this.recovering && this.inFlight < limit && this.head < this.queue.length) {
      const entry = this.queue[this.head++];
      if (this.head === this.queue.length) { this.queue = []; this.head = 0; }
      else if (this.head >= 4096 && this.head * 2 >= this.queue.length) { this.queue = this.queue.slice(this.head); this.head = 0; }
      this.inFlight++;
      entry.attempts++;
      this.opts.send(entry.item, (e) => this.onSettled(entry, e === null || e === undefined ? null : e));
    }
    this.maybeRecover();
    this.notifyIdle();
  }

  private onSettled(entry: Entry<T>, error: unknown): void {
    this.inFlight--;
    if (this.fatal !== null) {
      this.settle(entry, this.fatal);
    } else if (error === null) {
      if (entry.index > this.maxAckedIndex) this.maxAckedIndex = entry.index;
      this.settle(entry, null);
    } else if (this.opts.isRetriable(error) && entry.attempts < this.opts.retry.maxAttempts) {
      if (this.recovering) {
        this.opts.logger.debug({ ...this.opts.describe(entry.item), attempt: entry.attempts, err: errText(error) }, 'nats publish failed; will retry with the same id');
      } else {
        this.opts.logger.warn(
          { ...this.opts.describe(entry.item), attempt: entry.attempts, inFlight: this.inFlight + 1, err: errText(error) },
          `nats publish failed; it and every publish that fails with it (${this.inFlight + 1} in flight) will be resent with the same ids once the window drains; further failures until then are logged at debug`,
        );
      }
      this.failed.push(entry);
      this.recovering = true;
    } else {
      this.giveUp(entry, error);
    }
    this.pump();
  }

  private maybeRecover(): void {
    if (!this.recovering || this.recoveryRunning || this.inFlight > 0 || this.fatal !== null) return;
    this.recoveryRunning = true;
    void this.recover().finally(() => {
      this.recoveryRunning = false;
      this.recovering = false;
      this.resendWarned = false;
      this.pump();
    });
  }

  /** Resend failed items one at a time, in submission order, with backoff. */
  private async recover(): Promise<void> {
    const entries = this.failed.splice(0).sort((a, b) => a.index - b.index);
    this.retrying = entries.length;
    const fresh: Entry<T>[] = [];
    let maxStoredEarlier = this.maxAckedIndex;
    for (const entry of entries) {
      for (;;) {
        if (this.fatal !== null) { this.settle(entry, this.fatal); break; }
        await this.sleep(backoffDelay(this.opts.retry, entry.attempts));
        if (this.fatal !== null) { this.settle(entry, this.fatal); break; }
        entry.attempts++;
        try {
          const r = await this.sendAsync(entry.item);
          if (r.duplicate) maxStoredEarlier = Math.max(maxStoredEarlier, entry.index);
          else fresh.push(entry);
          this.settle(entry, null);
          break;
        } catch (e) {
          if (!this.opts.isRetriable(e) || entry.attempts >= this.opts.retry.maxAttempts) { this.giveUp(entry, e); break; }
          const fields = { ...this.opts.describe(entry.item), attempt: entry.attempts, err: errText(e) };
          if (this.resendWarned) this.opts.logger.debug(fields, 'nats publish retry failed');
          else this.opts.logger.warn(fields, 'nats publish retry failed; further resend failures of this outage are logged at debug');
          this.resendWarned = true;
        }
      }
      this.retrying--;
    }
    // A duplicate ack means the first send was stored back then; a fresh store now lands after
    // every item stored earlier with a higher index: per-subject order may be broken.
    const reordered = fresh.filter((e) => e.index < maxStoredEarlier);
    if (reordered.length > 0) {
      this.opts.logger.warn(
        { count: reordered.length, first: this.opts.describe(reordered[0].item) as Record<string, unknown> },
        'nats publish retried after a later message was stored: stream order may differ from change order for these subjects',
      );
    }
  }

  private sendAsync(item: T): Promise<SendResult> {
    return new Promise((resolve, reject) => this.opts.send(item, (e, r) => {
      if (e !== null && e !== undefined) reject(e);
      else resolve(r ?? { duplicate: false });
    }));
  }

  private giveUp(entry: Entry<T>, error: unknown): void {
    const err = new ConnectorError('SINK_SEND', `nats publish failed after ${entry.attempts} attempt(s): ${errText(error)}`, {
      cause: error, context: this.opts.describe(entry.item),
    });
    this.opts.logger.error({ ...err.context, err: errText(error) }, 'nats publish failed; sink stops accepting records');
    this.settle(entry, err);
    this.abort(err);
  }

  private settle(entry: Entry<T>, error: unknown): void {
    const call = entry.call;
    if (call.settled) return;
    if (error !== null) { call.settled = true; call.reject(error); return; }
    if (--call.remaining === 0) { call.settled = true; call.resolve(); }
  }

  private notifyIdle(): void {
    if (this.pending !== 0 && this.fatal === null) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * What makes the stream session's reading wait, and what waits meanwhile. Two things close the
 * gate: the replay of a committed streamed transaction (streamed-tx.ts) and a change whose
 * records wait for PostgreSQL to place its key (fresh-read-filter.ts, a "hold"). While it is
 * closed, arriving WAL messages are copied into a queue, and a hold keeps the rest of its WAL
 * message's events; the session takes them back, in order, once it opens.
 */
import type { ChangeEvent } from '../model/change';
import type { Lsn } from '../protocol/lsn';

export interface WaitingMessage {
  readonly walStart: Lsn;
  readonly data: Buffer;
}

/** The events of a WAL message after the one a hold began at. */
export interface RestOfMessage {
  readonly events: readonly ChangeEvent[];
  readonly next: number;
  readonly nowUs: bigint;
}

export class ReadGate {
  /** A committed streamed transaction is being replayed. */
  replaying = false;
  /** A change's records wait for PostgreSQL. */
  holding = false;
  private queued: WaitingMessage[] = [];
  private rest: RestOfMessage | null = null;
  private waiter: (() => void) | null = null;

  get closed(): boolean {
    return this.replaying || this.holding;
  }

  /** Open, and no message waiting to run. */
  get empty(): boolean {
    return !this.closed && this.queued.length === 0;
  }

  /** A message that arrived while closed; `data` is a view into the socket chunk: copied. */
  queue(walStart: Lsn, data: Buffer): void {
    this.queued.push({ walStart, data: Buffer.from(data) });
  }

  keepRest(rest: RestOfMessage): void {
    this.rest = rest;
  }

  takeRest(): RestOfMessage | null {
    const rest = this.rest;
    this.rest = null;
    return rest;
  }

  /** The queued messages, in order; put back what was not run with requeue(). */
  takeQueued(): WaitingMessage[] {
    const queued = this.queued;
    this.queued = [];
    return queued;
  }

  /** Messages not run go back in front of any that arrived meanwhile. */
  requeue(messages: readonly WaitingMessage[]): void {
    this.queued = messages.concat(this.queued);
  }

  /** Resolves when the hold ends or the session does (a replay waits here before its next event). */
  untilReleased(): Promise<void> {
    return new Promise<void>((resolve) => { this.waiter = resolve; });
  }

  /** Wakes what waits in untilReleased(). */
  wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  clear(): void {
    this.queued = [];
    this.rest = null;
  }
}

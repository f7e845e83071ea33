/**
 * The stream session's quiet times (stream-session.ts), when the database sends nothing to publish:
 * - An idle slot advances to the last keepalive's WAL end, but only with nothing of ours
 *   unpublished or unacknowledged (no batch, no publish in flight, no messages queued behind a
 *   replay, no open transaction: AckTracker.idle checks the last). That position is what the
 *   server has sent, never beyond (pg_current_wal_lsn() could lie past changes not yet read).
 * - Once per source.heartbeatMs: a whole interval without replication data, with everything
 *   acknowledged, reads as not behind the source (walcast_behind_source_ms 0) rather than the
 *   last batch's age for as long as the database stays quiet. Data in the interval (a catch-up)
 *   keeps the last value.
 */
import type { AckTracker } from '../offsets/ack-tracker';
import type { Metrics } from '../observe/metrics';
import type { Lsn } from '../protocol/lsn';

export interface IdleWatchDeps {
  readonly tracker: AckTracker;
  /** No record of ours unpublished or in flight, and nothing queued behind a replay or a held change. */
  readonly nothingOutstanding: () => boolean;
  /** Called after an advance with the confirmed position before it (the session reports a move). */
  readonly advanced: (before: Lsn) => void;
  /** The quiet check runs only with metrics (it sets one). */
  readonly metrics?: Metrics;
  readonly intervalMs: number;
}

export class IdleWatch {
  /** WAL end of the last keepalive: everything the server sent before it has been read. */
  private lastWalEnd: Lsn | null = null;
  private dataSinceCheck = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: IdleWatchDeps) {}

  start(): void {
    if (this.deps.metrics && this.timer === null) this.timer = setInterval(() => this.quietCheck(), this.deps.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Replication data arrived. */
  data(): void {
    this.dataSinceCheck = true;
  }

  /** A keepalive from the server: everything before `walEnd` has been read. */
  keepalive(walEnd: Lsn): void {
    this.lastWalEnd = walEnd;
    this.advance();
  }

  /** Lets the slot advance to the last keepalive's WAL end if nothing of ours is outstanding. */
  advance(): void {
    const { tracker } = this.deps;
    if (this.lastWalEnd === null || !this.deps.nothingOutstanding()) return;
    const before = tracker.confirmed;
    tracker.idle(this.lastWalEnd);
    this.deps.advanced(before);
  }

  private quietCheck(): void {
    const quiet = !this.dataSinceCheck && this.deps.nothingOutstanding() && this.deps.tracker.caughtUp;
    this.dataSinceCheck = false;
    if (quiet) this.deps.metrics?.caughtUp();
  }
}

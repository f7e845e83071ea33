/**
 * Reports the confirmed position to the server: standby status updates carrying the ack
 * tracker's confirmed LSN, on a timer that keeps running while the socket is paused or the
 * broker is down. With `recordConfirmed` (the slot identity keeps the highest confirmed
 * position), a position is sent only once its recording resolved: a newer one is recorded
 * first and sent on a later tick, or at once when the recording resolves.
 */
import { ConnectorError } from '../errors';
import type { Logger } from '../observe/logger';
import { type Lsn, formatLsn } from '../protocol/lsn';

export interface ConfirmReporterDeps {
  /** The position every record up to which the broker acknowledged. */
  readonly confirmed: () => Lsn;
  /** Sends a standby status update. */
  readonly send: (lsn: Lsn) => void;
  readonly recordConfirmed?: (lsn: Lsn) => Promise<void>;
  /** A status update at least this often, even when nothing moved. */
  readonly heartbeatMs: number;
  readonly logger: Logger;
  /** The session's state: nothing is reported after a failure, except during a stop. */
  readonly failed: () => boolean;
  readonly stopping: () => boolean;
  /** A recording failed: the session must fail with this error. */
  readonly onRecordFailed: (error: ConnectorError) => void;
}

export class ConfirmReporter {
  private timer: NodeJS.Timeout | null = null;
  private lastSentLsn: Lsn | null = null;
  private lastSentAt = 0;
  /** Highest position recorded by recordConfirmed (the start position needs no recording). */
  private recorded: Lsn;
  private recording: Promise<void> | null = null;

  constructor(private readonly deps: ConfirmReporterDeps, startLsn: Lsn) {
    this.recorded = startLsn;
  }

  start(): void {
    const tick = Math.max(50, Math.min(1000, this.deps.heartbeatMs));
    this.timer = setInterval(() => this.report(false), tick);
  }

  stop(): void {
    if (this.timer) { clearInterval(this.timer); this.timer = null; }
  }

  /** Sends the confirmed LSN when it moved, or at least every heartbeatMs; `force` sends now. */
  report(force: boolean): void {
    const { recordConfirmed, heartbeatMs } = this.deps;
    if (this.deps.failed() && !this.deps.stopping()) return;
    const now = Date.now();
    let confirmed = this.deps.confirmed();
    if (recordConfirmed && confirmed > this.recorded) {
      void this.record(confirmed);
      confirmed = this.recorded;
    }
    if (!force && confirmed === this.lastSentLsn && now - this.lastSentAt < heartbeatMs) return;
    this.deps.send(confirmed);
    if (confirmed !== this.lastSentLsn) this.deps.logger.debug({ confirmedLsn: formatLsn(confirmed) }, 'confirmed');
    this.lastSentLsn = confirmed;
    this.lastSentAt = now;
  }

  /** One recording at a time; resolves when the position `lsn` (or a later one) is recorded. */
  record(lsn: Lsn): Promise<void> {
    const record = this.deps.recordConfirmed;
    if (!record || lsn <= this.recorded) return Promise.resolve();
    if (this.recording) return this.recording.then(() => this.record(lsn));
    this.recording = record(lsn).then(
      () => {
        if (lsn > this.recorded) this.recorded = lsn;
        this.recording = null;
        if (!this.deps.stopping()) this.report(true);
      },
      (e: unknown) => {
        this.recording = null;
        this.deps.onRecordFailed(e instanceof ConnectorError ? e : new ConnectorError('STATE', 'cannot record the confirmed position', { cause: e }));
      },
    );
    return this.recording;
  }
}

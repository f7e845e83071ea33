/**
 * The connector's lifecycle as an explicit state machine. A transition not in the table is a
 * programming error (ConnectorError STATE); every transition is logged.
 */
import { ConnectorError } from '../errors';
import type { Logger } from '../observe/logger';

/** `standby`: another instance owns the slot; this one waits to take over and touches nothing. */
export const PHASES = ['created', 'standby', 'connecting', 'snapshotting', 'streaming', 'backoff', 'stopping', 'stopped', 'failed'] as const;
export type Phase = (typeof PHASES)[number];

const TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  created: ['standby', 'connecting', 'backoff', 'stopping', 'stopped', 'failed'],
  standby: ['connecting', 'backoff', 'stopping', 'stopped', 'failed'],
  connecting: ['snapshotting', 'streaming', 'backoff', 'stopping', 'failed', 'stopped'],
  snapshotting: ['streaming', 'backoff', 'stopping', 'failed', 'stopped'],
  streaming: ['backoff', 'stopping', 'failed', 'stopped'],
  backoff: ['standby', 'connecting', 'stopping', 'failed', 'stopped'],
  stopping: ['stopped', 'failed'],
  stopped: [],
  failed: [],
};

export class Lifecycle {
  private current: Phase = 'created';
  private readonly listeners: Array<(p: Phase) => void> = [];

  constructor(private readonly logger: Logger) {}

  get phase(): Phase {
    return this.current;
  }

  onChange(listener: (p: Phase) => void): void {
    this.listeners.push(listener);
  }

  to(next: Phase, fields: Record<string, unknown> = {}): void {
    if (next === this.current) return;
    if (!TRANSITIONS[this.current].includes(next)) {
      throw new ConnectorError('STATE', `illegal lifecycle transition ${this.current} -> ${next}`);
    }
    const from = this.current;
    this.current = next;
    // Listeners first: the supervisor's decides whether this line is routine (logged at debug).
    for (const l of this.listeners) l(next);
    this.logger.info({ from, to: next, ...fields }, `connector ${next}`);
  }

  canMoveTo(next: Phase): boolean {
    return TRANSITIONS[this.current].includes(next);
  }
}

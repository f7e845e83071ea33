/**
 * The connector supervisor. It first takes the ownership of the slot (a PostgreSQL advisory
 * lock, source/slot-owner.ts): while another instance owns it, this one waits as a hot standby
 * and touches neither the slot, the topics nor the state. As owner it runs pipeline attempts
 * (coordinator.ts), restarting a failed one from the slot's confirmed position with backoff when
 * the failure is retriable (broker down, connection lost, slot held by another process).
 * Losing the ownership stops the attempt at once; the instance then competes for it again.
 * Non-retriable failures (bad config, missing privileges, a lost slot) end `done` with the error.
 *
 * Logs: a failure is logged at warn once; the same failure again is logged at debug, and so are
 * the routine info lines of the attempts that repeat it (phases, slot, sink and stream
 * messages), until the connector is healthy again: its confirmed position moved, or an attempt
 * streamed or snapshotted for RECOVERED_AFTER_MS. That is logged once at info, and a later
 * failure is news. Warnings and errors of an attempt are never quieted, and neither are the
 * final phases, the slot ownership's lines (standby, take-over) or a snapshot's.
 * `tail` takes no ownership and does not retry: it reads through a temporary slot of its own.
 */
import type { WalcastConfig } from '../../config/types';
import { ConnectorError } from '../errors';
import { demotable, type Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import type { StateStore } from '../offsets/state-store';
import { createStateStore } from '../offsets/store-factory';
import type { Lsn } from '../protocol/lsn';
import { createSink, SinkFactory } from '../sink/factory';
import { acquireSlotOwnership, SlotOwnership } from '../source/slot-owner';
import { runAttempt } from './coordinator';
import { Lifecycle, Phase } from './lifecycle';
import { asConnectorError, backoffDelay, delay, isRetriable } from '../retry';
import type { StreamSession } from './stream-session';
import { lagPollerFor, stoppingLagPoller } from './lag-poller';

/** An attempt that streamed this long without failing counts as a recovery (a quiet database confirms nothing). */
export const RECOVERED_AFTER_MS = 60_000;

export interface ConnectorDeps {
  readonly logger: Logger;
  readonly sinkFactory?: SinkFactory;
  readonly out?: NodeJS.WritableStream;
  readonly onPhase?: (phase: Phase) => void;
  readonly onConfirmed?: (lsn: Lsn) => void;
  readonly metrics?: Metrics;
  /** `tail`: read-only, temporary slot, no ownership, no retries. */
  readonly mode?: 'run' | 'tail';
  /** Where the connector state lives (default: the file store in offsets.stateDir). */
  readonly stateStore?: StateStore;
  /** How often a standby tries to take the ownership (default 1000 ms). */
  readonly ownershipPollMs?: number;
  /** Streaming (or snapshotting) this long after failures counts as healthy again (default RECOVERED_AFTER_MS). */
  readonly recoveredAfterMs?: number;
}

export interface ConnectorHandle {
  /** Resolves after a clean stop; rejects with a ConnectorError on a fatal failure. */
  readonly done: Promise<void>;
  stop(reason: string): Promise<void>;
  readonly phase: () => Phase;
}

export function startConnector(config: WalcastConfig, deps: ConnectorDeps): ConnectorHandle {
  // While a failure repeats, the routine info lines of each retried attempt go out at debug.
  let quiet = false;
  const logger = deps.logger;
  const attemptLogger = demotable(logger, () => quiet);
  const tail = deps.mode === 'tail';
  const lifecycle = new Lifecycle(attemptLogger);
  /** A final phase: always said at info. */
  const finish = (phase: 'stopping' | 'stopped' | 'failed', fields?: Record<string, unknown>): void => {
    quiet = false;
    lifecycle.to(phase, fields);
  };
  deps.metrics?.phase(lifecycle.phase);
  if (deps.metrics) lifecycle.onChange((p) => deps.metrics?.phase(p));
  if (deps.onPhase) lifecycle.onChange(deps.onPhase);
  const abort = new AbortController();
  const knownTopics = new Set<string>();
  // A store the connector made itself is closed when it ends; an injected one is the caller's.
  const ownStore = deps.stateStore ? null : createStateStore(config, logger);
  const stateStore: StateStore = ownStore ?? deps.stateStore!;
  let session: StreamSession | null = null;
  let stopRequested = false;
  let ownership: SlotOwnership | null = null;

  const attempt = async (signal: AbortSignal, onConfirmed: (lsn: Lsn) => void): Promise<void> => runAttempt({
    config, logger: attemptLogger, lifecycle, knownTopics, stateStore, tail,
    sinkFactory: deps.sinkFactory ?? createSink,
    out: deps.out,
    metrics: deps.metrics,
    onConfirmed,
    signal,
    setSession: (s) => { session = s; },
  });

  /** Runs one attempt as owner; a lost ownership aborts it and turns into a retriable error. */
  const ownedAttempt = async (owner: SlotOwnership, onConfirmed: (lsn: Lsn) => void): Promise<void> => {
    const attemptAbort = new AbortController();
    const onStop = (): void => attemptAbort.abort();
    abort.signal.addEventListener('abort', onStop, { once: true });
    let lostError: ConnectorError | null = null;
    void owner.lost.then((e) => {
      if (stopRequested) return;
      lostError = new ConnectorError('PG_CONNECT', `lost the ownership of slot "${config.source.slot}": ${e.message}; stopped streaming`, { cause: e, context: { slot: config.source.slot } });
      attemptAbort.abort();
      const s: StreamSession | null = session;
      if (s) void s.stop('ownership lost');
    });
    try {
      await attempt(attemptAbort.signal, onConfirmed);
    } catch (e) {
      if (lostError) throw lostError;
      throw e;
    } finally {
      abort.signal.removeEventListener('abort', onStop);
    }
    if (lostError) throw lostError;
  };

  // tail reads through a temporary slot: the connector slot's lag is not its business.
  const lagPoller = deps.metrics && !tail ? lagPollerFor(config, deps.metrics, logger) : null;
  let streamingTimer: NodeJS.Timeout | undefined;
  const done = stoppingLagPoller(lagPoller, (async (): Promise<void> => {
    let failures = 0;
    let lastFailure = '';
    /** Forgets the failures: the next one is news, and its backoff starts over. */
    const forgetFailures = (): void => {
      failures = 0;
      lastFailure = '';
      quiet = false;
    };
    /** Healthy again after `failures` failed attempts: said once. */
    const recovered = (why: string): void => {
      if (failures > 0) logger.info({ failedAttempts: failures }, `connector healthy again after ${failures} failed attempt(s): ${why}`);
      forgetFailures();
    };
    const onConfirmed = (lsn: Lsn): void => {
      if (failures > 0) recovered('its confirmed position moved');
      deps.onConfirmed?.(lsn);
    };
    // An attempt that keeps streaming (or snapshotting) is a recovery even when nothing is
    // confirmed (a quiet database). A snapshot's lines are news after any failure.
    lifecycle.onChange((phase) => {
      clearTimeout(streamingTimer);
      streamingTimer = undefined;
      if (phase === 'snapshotting') quiet = false;
      if ((phase === 'streaming' || phase === 'snapshotting') && failures > 0) {
        const after = deps.recoveredAfterMs ?? RECOVERED_AFTER_MS;
        streamingTimer = setTimeout(() => recovered(`${phase} for ${after / 1000} s`), after);
        streamingTimer.unref();
      }
    });
    for (;;) {
      try {
        if (tail) {
          await attempt(abort.signal, onConfirmed);
        } else {
          if (!ownership || ownership.isLost()) {
            await ownership?.release();
            ownership = await acquireSlotOwnership({
              url: config.source.url, slot: config.source.slot, applicationName: `walcast-${config.name}-owner`, logger,
              pollMs: deps.ownershipPollMs,
              onStandby: () => {
                // Another instance owns the slot: news, whatever failed before, and a later failure is news too.
                forgetFailures();
                if (lifecycle.canMoveTo('standby')) lifecycle.to('standby', { slot: config.source.slot });
              },
            }, abort.signal);
            if (!ownership) { finish('stopped'); return; }
          }
          await ownedAttempt(ownership, onConfirmed);
        }
        if (lifecycle.canMoveTo('stopped')) finish('stopped');
        return;
      } catch (e) {
        const error = e instanceof ConnectorError ? e : asConnectorError(e, 'connector failed');
        if (stopRequested) {
          if (lifecycle.canMoveTo('stopped')) finish('stopped');
          return;
        }
        deps.metrics?.error(error.code);
        if (tail || !isRetriable(error)) {
          finish('failed', { code: error.code });
          throw error;
        }
        const wait = backoffDelay({ initialMs: config.source.retryInitialMs, maxMs: config.source.retryMaxMs }, ++failures);
        // Said once: the same failure again, and the attempts repeating it, are logged at debug
        // level until the connector is healthy again.
        const same = `${error.code}\u0000${error.message}` === lastFailure;
        lastFailure = `${error.code}\u0000${error.message}`;
        quiet = same;
        lifecycle.to('backoff', { code: error.code, attempt: failures, retryInMs: wait });
        (same ? logger.debug.bind(logger) : logger.warn.bind(logger))(
          { code: error.code, attempt: failures, retryInMs: wait, ...error.context },
          `${error.message}; retrying (attempt ${failures}, next in ${wait} ms${same ? '' : '; repeats of this failure, and the routine lines of the attempts repeating it, are logged at debug level'})`);
        if (!(await delay(wait, abort.signal))) { finish('stopped'); return; }
        deps.metrics?.reconnect();
      }
    }
  })().finally(async () => {
    clearTimeout(streamingTimer);
    await ownership?.release();
    await ownStore?.close();
  }));
  done.catch(() => undefined);

  return {
    done,
    phase: () => lifecycle.phase,
    stop: async (reason: string) => {
      if (stopRequested) return done.catch(() => undefined);
      stopRequested = true;
      logger.info({ reason }, 'stop requested');
      if (lifecycle.canMoveTo('stopping')) finish('stopping', { reason });
      abort.abort();
      const s: StreamSession | null = session;
      if (s) await s.stop(reason);
      return done.catch(() => undefined);
    },
  };
}

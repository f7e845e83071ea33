/**
 * The connector supervisor: runs pipeline attempts (attempt.ts), restarting a failed one from
 * the slot's confirmed position with backoff when the failure is retriable (broker down,
 * connection lost, slot held by another process). Non-retriable failures (bad config, missing
 * privileges, invalid slot) end `done` with the error.
 */
import type { WalcastConfig } from '../../config/types';
import { ConnectorError } from '../errors';
import type { Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import { StateStore } from '../offsets/state-store';
import type { Lsn } from '../protocol/lsn';
import { createSink, SinkFactory } from '../sink/factory';
import { runAttempt } from './attempt';
import { Lifecycle, Phase } from './lifecycle';
import { asConnectorError, backoffDelay, delay, isRetriable } from '../retry';
import type { StreamSession } from './stream-session';
import { lagPollerFor, stoppingLagPoller } from './lag-poller';

export interface ConnectorDeps {
  readonly logger: Logger;
  readonly sinkFactory?: SinkFactory;
  readonly out?: NodeJS.WritableStream;
  readonly onPhase?: (phase: Phase) => void;
  readonly onConfirmed?: (lsn: Lsn) => void;
  readonly metrics?: Metrics;
}

export interface ConnectorHandle {
  /** Resolves after a clean stop; rejects with a ConnectorError on a fatal failure. */
  readonly done: Promise<void>;
  stop(reason: string): Promise<void>;
  readonly phase: () => Phase;
}

export function startConnector(config: WalcastConfig, deps: ConnectorDeps): ConnectorHandle {
  const logger = deps.logger;
  const lifecycle = new Lifecycle(logger);
  if (deps.onPhase) lifecycle.onChange(deps.onPhase);
  const abort = new AbortController();
  const knownTopics = new Set<string>();
  const stateStore = new StateStore(config.offsets.stateDir, config.name);
  let session: StreamSession | null = null;
  let stopRequested = false;

  const lagPoller = deps.metrics ? lagPollerFor(config, deps.metrics, logger) : null;
  const done = stoppingLagPoller(lagPoller, (async (): Promise<void> => {
    let failures = 0;
    for (;;) {
      try {
        await runAttempt({
          config, logger, lifecycle, knownTopics, stateStore,
          sinkFactory: deps.sinkFactory ?? createSink,
          out: deps.out,
          metrics: deps.metrics,
          onConfirmed: (lsn) => { failures = 0; deps.onConfirmed?.(lsn); },
          signal: abort.signal,
          setSession: (s) => { session = s; },
        });
        if (lifecycle.canMoveTo('stopped')) lifecycle.to('stopped');
        return;
      } catch (e) {
        const error = e instanceof ConnectorError ? e : asConnectorError(e, 'connector failed');
        if (stopRequested) {
          if (lifecycle.canMoveTo('stopped')) lifecycle.to('stopped');
          return;
        }
        deps.metrics?.error(error.code);
        if (!isRetriable(error)) {
          lifecycle.to('failed', { code: error.code });
          throw error;
        }
        const wait = backoffDelay({ initialMs: config.source.retryInitialMs, maxMs: config.source.retryMaxMs }, ++failures);
        lifecycle.to('backoff', { code: error.code, attempt: failures, retryInMs: wait });
        logger.warn({ err: error, code: error.code, attempt: failures, retryInMs: wait },
          error.code === 'SLOT_IN_USE'
            ? `replication slot "${config.source.slot}" is in use by another process; retrying in ${wait} ms`
            : `restarting from the slot's confirmed position in ${wait} ms: ${error.message}`);
        if (!(await delay(wait, abort.signal))) { lifecycle.to('stopped'); return; }
        deps.metrics?.reconnect();
      }
    }
  })());
  done.catch(() => undefined);

  return {
    done,
    phase: () => lifecycle.phase,
    stop: async (reason: string) => {
      if (stopRequested) return done.catch(() => undefined);
      stopRequested = true;
      logger.info({ reason }, 'stop requested');
      if (lifecycle.canMoveTo('stopping')) lifecycle.to('stopping', { reason });
      abort.abort();
      const s: StreamSession | null = session;
      if (s) await s.stop(reason);
      return done.catch(() => undefined);
    },
  };
}

/**
 * The connector supervisor: connect -> (snapshot) -> stream -> stop, restarting a failed
 * session from the slot's confirmed position with backoff when the failure is retriable
 * (broker down, connection lost, slot held by another process). Non-retriable failures
 * (bad config, missing privileges, invalid slot) end `done` with the error.
 */
import { Client } from 'pg';
import type { WalcastConfig } from '../../config/types';
import { ConnectorError, fromPgError } from '../errors';
import { createDecoder } from '../decode/factory';
import { EnvelopeBuilder } from '../envelope/builder';
import { topicName } from '../envelope/topic';
import { WALCAST_VERSION } from '../envelope/version';
import type { Logger } from '../observe/logger';
import { Lsn, formatLsn } from '../protocol/lsn';
import { createSink, SinkFactory } from '../sink/factory';
import type { Sink } from '../sink/port';
import { applyPublicationPlan } from '../source/publication';
import { ReplicationConnection } from '../source/replication-connection';
import { createSlot } from '../source/slot';
import { Lifecycle, Phase } from './lifecycle';
import { inspectServer } from './prepare';
import { asConnectorError, backoffDelay, delay, isRetriable } from './retry';
import { StreamSession } from './stream-session';

export interface ConnectorDeps {
  readonly logger: Logger;
  readonly sinkFactory?: SinkFactory;
  readonly out?: NodeJS.WritableStream;
  readonly onPhase?: (phase: Phase) => void;
  readonly onConfirmed?: (lsn: Lsn) => void;
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
  let session: StreamSession | null = null;
  let stopRequested = false;

  const attempt = async (): Promise<void> => {
    lifecycle.to('connecting');
    const sinkFactory = deps.sinkFactory ?? createSink;
    const client = new Client({ connectionString: config.source.url, application_name: `walcast-${config.name}` });
    client.on('error', () => undefined); // errors surface through the awaited queries
    let sink: Sink | null = null;
    let repl: ReplicationConnection | null = null;
    try {
      await client.connect().catch((e: unknown) => { throw fromPgError(e, 'PG_CONNECT', 'cannot connect to PostgreSQL'); });
      const inspection = await inspectServer(client, config, logger).catch((e: unknown) => { throw fromPgError(e, 'PG_QUERY', 'server inspection failed'); });
      sink = sinkFactory(config, { logger, out: deps.out });
      await sink.start();
      const topics = inspection.tables.map((t) => topicName(config.topicPrefix, t.schema, t.table));
      await sink.ensureTopics(topics);
      for (const t of topics) knownTopics.add(t);
      if (inspection.publicationPlan) await applyPublicationPlan(client, config.source.publication, inspection.publicationPlan, logger);

      repl = await ReplicationConnection.open(config.source.url, config.source.slot, logger, `walcast-${config.name}`);
      let startLsn: Lsn;
      if (inspection.slot) {
        startLsn = inspection.slot.confirmedFlushLsn ?? (0n as Lsn);
        if (inspection.slot.active) {
          logger.warn({ slot: config.source.slot, activePid: inspection.slot.activePid }, 'replication slot is held by another process; will retry');
        }
      } else {
        const created = await createSlot(repl, config.source.slot, config.source.plugin, false);
        startLsn = created.consistentPoint;
        logger.info({ slot: config.source.slot, plugin: config.source.plugin, consistentPoint: formatLsn(startLsn) }, 'created replication slot');
      }
      if (stopRequested) return;

      const decoder = createDecoder(config, inspection.tables, inspection.primaryKeys);
      const builder = new EnvelopeBuilder({
        connectorName: config.name, topicPrefix: config.topicPrefix, database: inspection.database,
        version: WALCAST_VERSION, options: config.envelope,
      });
      await client.end().catch(() => undefined);
      session = new StreamSession({
        repl, decoder, builder, sink, logger, startLsn, knownTopics,
        options: {
          heartbeatMs: config.source.heartbeatMs,
          maxInFlightEvents: config.source.maxInFlightEvents,
          batchSize: Math.max(1, Math.min(config.sink.kafka.batchMaxRecords, config.source.maxInFlightEvents)),
          stopTimeoutMs: 30_000,
        },
        onConfirmed: deps.onConfirmed,
      });
      const running = session.run(decoder.startOptions());
      lifecycle.to('streaming', { slot: config.source.slot, startLsn: formatLsn(startLsn) });
      await running;
    } finally {
      session = null;
      await client.end().catch(() => undefined);
      repl?.destroy();
      await sink?.stop().catch((e: unknown) => logger.warn({ err: e }, 'sink stop failed'));
    }
  };

  const done = (async (): Promise<void> => {
    let failures = 0;
    for (;;) {
      try {
        await attempt();
        if (lifecycle.canMoveTo('stopped')) lifecycle.to('stopped');
        return;
      } catch (e) {
        const error = e instanceof ConnectorError ? e : asConnectorError(e, 'connector failed');
        if (stopRequested) {
          lifecycle.to('stopped');
          return;
        }
        if (!isRetriable(error)) {
          lifecycle.to('failed', { code: error.code });
          throw error;
        }
        const wait = backoffDelay(failures++, { initialMs: config.source.retryInitialMs, maxMs: config.source.retryMaxMs });
        lifecycle.to('backoff', { code: error.code, attempt: failures, retryInMs: wait });
        logger.warn({ err: error, code: error.code, attempt: failures, retryInMs: wait },
          error.code === 'SLOT_IN_USE'
            ? `replication slot "${config.source.slot}" is in use by another process; retrying in ${wait} ms`
            : `restarting from the slot's confirmed position in ${wait} ms: ${error.message}`);
        if (!(await delay(wait, abort.signal))) { lifecycle.to('stopped'); return; }
      }
    }
  })();
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
      const s = session;
      if (s) await s.stop(reason);
      return done.catch(() => undefined);
    },
  };
}

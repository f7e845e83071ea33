/**
 * One attempt of the pipeline: inspect the server, prepare the sink and publication, decide
 * about the snapshot, snapshot on a fresh slot if needed, then stream until stopped or failed.
 * The supervisor (connector.ts) retries attempts; each starts from what the server and the
 * state file say, never from memory.
 */
import { Client } from 'pg';
import type { WalcastConfig } from '../../config/types';
import { ConnectorError, fromPgError } from '../errors';
import { createDecoder } from '../decode/factory';
import { EnvelopeBuilder } from '../envelope/builder';
import { topicName } from '../envelope/topic';
import { WALCAST_VERSION } from '../envelope/version';
import type { Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import { StateStore } from '../offsets/state-store';
import { Lsn, formatLsn, parseLsn } from '../protocol/lsn';
import type { SinkFactory } from '../sink/factory';
import type { Sink } from '../sink/port';
import { applyPublicationPlan } from '../source/publication';
import { ReplicationConnection } from '../source/replication-connection';
import { createSlot, dropSlot } from '../source/slot';
import { runSnapshot } from '../source/snapshot';
import type { Lifecycle } from './lifecycle';
import { inspectServer } from './prepare';
import { decideSnapshot } from './snapshot-decision';
import { StreamSession } from './stream-session';

export interface AttemptContext {
  readonly config: WalcastConfig;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sinkFactory: SinkFactory;
  readonly out?: NodeJS.WritableStream;
  readonly knownTopics: Set<string>;
  readonly stateStore: StateStore;
  readonly onConfirmed?: (lsn: Lsn) => void;
  readonly metrics?: Metrics;
  /** Aborted when a stop is requested. */
  readonly signal: AbortSignal;
  /** The attempt publishes its streaming session here so stop() can end it gracefully. */
  setSession(session: StreamSession | null): void;
}

async function currentWalLsn(client: Client): Promise<Lsn> {
  const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return parseLsn(rows[0].lsn);
}

/** Resolves when the attempt ended by request (or initial_only finished); rejects on failure. */
export async function runAttempt(ctx: AttemptContext): Promise<void> {
  const { config, logger, lifecycle } = ctx;
  lifecycle.to('connecting');
  const client = new Client({ connectionString: config.source.url, application_name: `walcast-${config.name}` });
  client.on('error', () => undefined); // errors surface through the awaited queries
  let sink: Sink | null = null;
  let repl: ReplicationConnection | null = null;
  try {
    await client.connect().catch((e: unknown) => { throw fromPgError(e, 'PG_CONNECT', 'cannot connect to PostgreSQL'); });
    const inspection = await inspectServer(client, config, logger).catch((e: unknown) => { throw fromPgError(e, 'PG_QUERY', 'server inspection failed'); });
    const decision = decideSnapshot(config.snapshot.mode, inspection.slot, ctx.stateStore.read(), config.source.slot);
    logger.info({ mode: config.snapshot.mode, action: decision.action, reason: decision.reason }, 'snapshot decision');
    if (decision.action === 'error') throw new ConnectorError('SLOT_INVALID', decision.reason, { context: { slot: config.source.slot } });
    if (decision.action === 'done') return;
    if (decision.action === 'stream' && decision.warning) logger.warn({ slot: config.source.slot }, decision.warning);

    sink = ctx.sinkFactory(config, { logger, out: ctx.out });
    await sink.start();
    const topics = inspection.tables.map((t) => topicName(config.topicPrefix, t.schema, t.table));
    await sink.ensureTopics(topics);
    for (const t of topics) ctx.knownTopics.add(t);
    if (inspection.publicationPlan) await applyPublicationPlan(client, config.source.publication, inspection.publicationPlan, logger);
    const builder = new EnvelopeBuilder({
      connectorName: config.name, topicPrefix: config.topicPrefix, database: inspection.database,
      version: WALCAST_VERSION, options: config.envelope,
    });

    repl = await ReplicationConnection.open(config.source.url, config.source.slot, logger, `walcast-${config.name}`);
    let startLsn: Lsn;
    if (decision.action === 'snapshot') {
      lifecycle.to('snapshotting', { reason: decision.reason });
      let snapshotName: string | null = null;
      let snapshotLsn: Lsn;
      if (decision.slot === 'keep' && inspection.slot) {
        // Stream from the kept slot's position; the fresh snapshot is read after it. The ids of
        // this snapshot's rows carry the current WAL position so they differ from an earlier run's.
        startLsn = inspection.slot.confirmedFlushLsn ?? (0n as Lsn);
        snapshotLsn = await currentWalLsn(client);
        logger.info({ slot: config.source.slot, startLsn: formatLsn(startLsn), reason: decision.reason },
          'keeping the replication slot: a fresh snapshot is read, then changes since the slot position are replayed');
      } else {
        if (decision.slot === 'recreate') {
          await dropSlot(client, config.source.slot).catch((e: unknown) => { throw fromPgError(e, 'PG_QUERY', 'cannot drop the invalidated replication slot', { slot: config.source.slot }); });
          logger.warn({ slot: config.source.slot, reason: decision.reason }, 'dropped the invalidated replication slot; changes made while it was invalid are only covered by the new snapshot');
        }
        logger.info({ slot: config.source.slot }, 'creating replication slot with exported snapshot (waits for transactions running now to finish)');
        const created = await createSlot(repl, config.source.slot, config.source.plugin, true);
        startLsn = created.consistentPoint;
        snapshotLsn = startLsn;
        snapshotName = created.snapshotName;
        logger.info({ slot: config.source.slot, consistentPoint: formatLsn(startLsn), tables: inspection.tables.length }, 'created replication slot with exported snapshot');
      }
      const startedAt = new Date().toISOString();
      const record = { slot: config.source.slot, consistentPoint: formatLsn(startLsn), startedAt };
      ctx.stateStore.write({ version: 1, snapshot: { status: 'in_progress', ...record } });
      const result = await runSnapshot({
        url: config.source.url,
        snapshotName,
        consistentPoint: snapshotLsn,
        tables: inspection.tables,
        parallelism: config.snapshot.parallelism,
        chunkRows: config.snapshot.chunkRows,
        builder, sink, logger,
        maxInFlightRecords: config.source.maxInFlightEvents,
        progress: 'auto',
        metrics: ctx.metrics,
        signal: ctx.signal,
      });
      ctx.stateStore.write({ version: 1, snapshot: { status: 'complete', ...record, completedAt: new Date().toISOString(), rows: result.rows, tables: result.tables } });
      logger.info({ rows: result.rows, tables: result.tables, durationMs: result.durationMs, consistentPoint: record.consistentPoint }, 'snapshot complete: every row acknowledged by the broker');
      if (config.snapshot.mode === 'initial_only') return;
    } else if (inspection.slot) {
      startLsn = inspection.slot.confirmedFlushLsn ?? (0n as Lsn);
      if (inspection.slot.active) {
        logger.warn({ slot: config.source.slot, activePid: inspection.slot.activePid }, 'replication slot is held by another process; will retry');
      }
    } else {
      logger.info({ slot: config.source.slot }, 'creating replication slot (waits for transactions running now to finish)');
      const created = await createSlot(repl, config.source.slot, config.source.plugin, false);
      startLsn = created.consistentPoint;
      logger.info({ slot: config.source.slot, plugin: config.source.plugin, consistentPoint: formatLsn(startLsn) }, 'created replication slot');
    }
    if (ctx.signal.aborted) return;
    await client.end().catch(() => undefined);

    const decoder = createDecoder(config, inspection.tables, inspection.primaryKeys);
    const session = new StreamSession({
      repl, decoder, builder, sink, logger, startLsn, knownTopics: ctx.knownTopics,
      options: {
        heartbeatMs: config.source.heartbeatMs,
        maxInFlightEvents: config.source.maxInFlightEvents,
        batchSize: Math.max(1, Math.min(config.sink.kafka.batchMaxRecords, config.source.maxInFlightEvents)),
        stopTimeoutMs: 30_000,
      },
      onConfirmed: ctx.onConfirmed,
      metrics: ctx.metrics,
    });
    ctx.setSession(session);
    const running = session.run(decoder.startOptions());
    lifecycle.to('streaming', { slot: config.source.slot, startLsn: formatLsn(startLsn) });
    await running;
  } finally {
    ctx.setSession(null);
    await client.end().catch(() => undefined);
    repl?.destroy();
    await sink?.stop().catch((e: unknown) => logger.warn({ err: e }, 'sink stop failed'));
  }
}

/**
 * One attempt of the pipeline: inspect the server, judge the slot against the recorded state,
 * decide about the snapshot, prepare the sink and publication, create or keep the slot,
 * snapshot if needed, then stream until stopped or failed. The supervisor (supervisor.ts)
 * retries attempts while this instance owns the slot; each starts from what the server and the
 * state say, never from memory. An attempt that fails before streaming began undoes what it
 * created (slot-setup.ts).
 *
 * `tail` attempts are read-only: a temporary slot of their own (dropped by the server when tail
 * exits), the existing publication as it is, no snapshot, no state.
 */
import { Client } from 'pg';
import type { WalcastConfig } from '../../config/types';
import { ConnectorError, fromPgError } from '../errors';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecoder, streamsInProgress } from '../decode/factory';
import { SpillStore } from '../offsets/spill';
import type { EnvelopeBuilder } from '../envelope/builder';
import { createEnvelopeBuilder } from '../envelope/fast';
import { loadNotNullColumns, loadUserTypes } from '../source/user-types';
import { loadColumnDefaults } from '../source/column-defaults';
import { transactionTopicName } from '../envelope/transaction-metadata';
import { HeartbeatRecords } from '../envelope/heartbeat-record';
import { HeartbeatAction } from './heartbeat-action';
import { topicName } from '../model/topic';
import { WALCAST_VERSION } from '../envelope/version';
import type { Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import { type ConnectorState, type StateStore, updateState } from '../offsets/state-store';
import { Lsn, formatLsn, parseLsn } from '../protocol/lsn';
import type { SinkFactory } from '../sink/factory';
import type { Sink } from '../sink/port';
import type { SinkCheckpoint, SinkRecord } from '../model/record';
import { applyPublicationPlan } from '../source/publication';
import { ReplicationConnection } from '../source/replication-connection';
import { createSlot } from '../source/slot';
import { runSnapshot } from '../snapshot';
import { progressFor, type SnapshotProgressRecord } from '../snapshot/resume';
import type { Lifecycle } from './lifecycle';
import { Inspection, inspectServer } from './prepare';
import { deleteMissingRows, markTopics, marksFromJson, marksToJson, type TopicMarks } from './delete-missing';
import { decideSnapshot, SnapshotDecision } from './snapshot-decision';
import { FreshReadFilter } from './fresh-read-filter';
import { KeyRangeChecker } from '../snapshot/key-range-check';
import { parseReplaySpec } from '../snapshot/replay-spec';
import { StreamingState, createRecordedSlot, dropUnusableSlot, SlotSetupDeps, SlotStart, undoAttempt, useSlot } from './slot-setup';
import { judgeSlot, SlotVerdict } from './slot-verdict';
import { StreamSession } from './stream-session';
import { filterToConfiguredTables } from './table-selection';
import { StreamedTransactions } from './streamed-tx';
import { pgUrl } from '../source/pg-url';

export interface AttemptContext {
  readonly config: WalcastConfig;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sinkFactory: SinkFactory;
  readonly out?: NodeJS.WritableStream;
  readonly knownTopics: Set<string>;
  readonly stateStore: StateStore;
  /** `tail`: read-only attempt on a temporary slot of its own. */
  readonly tail?: boolean;
  readonly onConfirmed?: (lsn: Lsn) => void;
  readonly metrics?: Metrics;
  /** Aborted when a stop is requested (or the slot's ownership was lost). */
  readonly signal: AbortSignal;
  /** The attempt publishes its streaming session here so stop() can end it gracefully. */
  setSession(session: StreamSession | null): void;
}

async function currentWalLsn(client: Client): Promise<Lsn> {
  const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return parseLsn(rows[0].lsn);
}

/** Temporary slot names: the connector's slot name with the tail's PID (63 characters at most). */
export function tailSlotName(slot: string, pid = process.pid): string {
  const suffix = `_tail_${pid}`;
  return `${slot.slice(0, 63 - suffix.length)}${suffix}`;
}

/** Counts what reaches the broker, so a failed attempt knows whether its snapshot published. */
function publishWatch(sink: Sink): { sink: Sink; published: () => boolean } {
  let published = false;
  const publish = (records: readonly SinkRecord[], checkpoint?: SinkCheckpoint): Promise<void> => {
    if (records.length > 0) published = true;
    return sink.publish(records, checkpoint);
  };
  // Everything else is the sink's own, optional members included (onFailure once went missing
  // from a hand-written list of them), bound to the sink.
  const watched = new Proxy(sink, {
    get: (target, key, receiver) => {
      if (key === 'publish') return publish;
      const v: unknown = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { sink: watched, published: () => published };
}

/** Resolves when the attempt ended by request (or initial_only finished); rejects on failure. */
export async function runAttempt(ctx: AttemptContext): Promise<void> {
  const { config, logger, lifecycle } = ctx;
  lifecycle.to('connecting');
  const client = new Client({ connectionString: await pgUrl(config.source.url), application_name: `walcast-${config.name}` });
  client.on('error', () => undefined); // errors surface through the awaited queries
  let sink: Sink | null = null;
  let repl: ReplicationConnection | null = null;
  let streaming = false;
  let watch: ReturnType<typeof publishWatch> | null = null;
  let slotStart: SlotStart | null = null;
  let publicationCreated: string | null = null;
  let setup: SlotSetupDeps | null = null;
  let stateBefore: ConnectorState | null = null;
  let streamed: StreamedTransactions | null = null;
  let heartbeatAction: HeartbeatAction | null = null;
  let freshRead: FreshReadFilter | null = null;
  try {
    stateBefore = ctx.tail ? null : await ctx.stateStore.read();
    await client.connect().catch((e: unknown) => { throw fromPgError(e, 'PG_CONNECT', 'cannot connect to PostgreSQL'); });
    const inspection = await inspectServer(client, config, logger, ctx.tail).catch((e: unknown) => { throw fromPgError(e, 'PG_QUERY', 'server inspection failed'); });

    let decision: SnapshotDecision | null = null;
    let verdict: SlotVerdict | null = null;
    if (!ctx.tail) {
      verdict = judgeSlot(stateBefore, inspection.slot, config.source.slot);
      decision = decideSnapshot(config.snapshot.mode, verdict, stateBefore, config.source.slot, ctx.stateStore.location);
      if (decision.action === 'error') throw new ConnectorError(decision.code, decision.reason, { context: { slot: config.source.slot } });
      logger.info({ mode: config.snapshot.mode, slotVerdict: verdict.kind, action: decision.action, reason: decision.reason }, 'snapshot decision');
      if (decision.action === 'done') return;
      if (decision.action === 'snapshot' && decision.warning) logger.warn({ slot: config.source.slot }, decision.warning);
    } else if (inspection.publicationPlan?.action === 'create') {
      throw new ConnectorError('PUBLICATION_MISMATCH',
        `publication "${config.source.publication}" does not exist; tail changes nothing on the server: start \`walcast run\` once (it creates the publication) or create it yourself`,
        { context: { publication: config.source.publication } });
    }

    // The replication connection first: a role without REPLICATION fails here, before anything
    // is created on the server.
    const slotName = ctx.tail ? tailSlotName(config.source.slot) : config.source.slot;
    repl = await ReplicationConnection.open(config.source.url, slotName, logger, `walcast-${config.name}${ctx.tail ? '-tail' : ''}`);
    setup = { client, repl, store: ctx.stateStore, logger, slot: config.source.slot, plugin: config.source.plugin };

    watch = publishWatch(ctx.sinkFactory(config, { logger, out: ctx.out }));
    sink = watch.sink;
    await sink.start();
    const topics = inspection.tables.map((t) => topicName(config.topicPrefix, t.schema, t.table));
    await sink.ensureTopics(topics);
    for (const t of topics) ctx.knownTopics.add(t);
    // One after the other: a pg Client runs one query at a time (overlapping calls are deprecated
    // and print a warning on stderr).
    const readCatalog = async () => {
      const userTypes = await loadUserTypes(client);
      const notNullColumns = await loadNotNullColumns(client);
      // Defaults go into the Connect schemas and, by default, in place of nulls (envelope.replaceNullWithDefault).
      const columnDefaults = config.envelope.schemas === true || config.envelope.replaceNullWithDefault !== false ? await loadColumnDefaults(client) : undefined;
      return { userTypes, notNullColumns, columnDefaults };
    };
    const { userTypes, notNullColumns, columnDefaults } = await readCatalog()
      .catch((e: unknown) => { throw fromPgError(e, 'PG_QUERY', 'reading the database\'s types, NOT NULL columns and defaults failed'); });
    const builder = createEnvelopeBuilder({
      // source.name is the topic prefix, as Debezium's logical name (connector name and prefix may differ).
      connectorName: config.topicPrefix, topicPrefix: config.topicPrefix, database: inspection.database,
      version: WALCAST_VERSION, options: config.envelope, userTypes, notNullColumns, columnDefaults,
      onSchemaNameAdjusted: (original, adjusted) => logger.warn({ original, adjusted, mode: config.envelope.schemaNameAdjustment },
        'schema name is not a valid Avro name: replaced (envelope.schemaNameAdjustment)'),
    });

    if (ctx.tail) {
      // The publication must exist before the slot: pgoutput reads it as of each change's LSN.
      const created = await createSlot(repl, slotName, config.source.plugin, false, true);
      slotStart = { startLsn: created.consistentPoint, snapshotName: null, created: false };
      logger.info({ slot: slotName, position: formatLsn(created.consistentPoint) },
        `tail: streaming changes committed from now on through temporary slot "${slotName}" (the connector's slot "${config.source.slot}" is not touched)`);
    } else {
      if (!decision || !verdict) throw new ConnectorError('STATE', 'no snapshot decision');
      if (decision.dropFirst) await dropUnusableSlot(setup, verdict.kind === 'leftover' ? 'its creation never finished (walcast was stopped while creating it)' : decision.reason);
      if (inspection.publicationPlan) {
        await applyPublicationPlan(client, config.source.publication, inspection.publicationPlan, logger);
        if (inspection.publicationPlan.action === 'create') publicationCreated = config.source.publication;
      }
      slotStart = decision.slot === 'create'
        ? await createRecordedSlot(setup, decision.action === 'snapshot')
        : await useSlot(setup, verdict as Extract<SlotVerdict, { kind: 'ours' | 'adopt' }>);
      if (decision.action === 'snapshot') {
        await snapshot(ctx, client, inspection, builder, sink, slotStart, decision.reason);
        if (config.snapshot.mode === 'initial_only') return;
      }
    }
    if (ctx.signal.aborted) return;

    let decoder = createDecoder(config, inspection.tables, inspection.primaryKeys, inspection.serverVersion);
    // `tail` reads the publication as it is (README); the connector only its configured tables.
    if (!ctx.tail) decoder = await filterToConfiguredTables(decoder, client, config.source, inspection.tables, inspection.all, logger);
    streamed = streamedTransactions(ctx, inspection.serverVersion);
    const hb = config.heartbeat;
    if (hb.intervalMs > 0 && hb.actionQuery.trim() !== '' && !ctx.tail) {
      heartbeatAction = new HeartbeatAction(config.source.url, hb.actionQuery, logger, `walcast-${config.name}-heartbeat`);
    }
    const action = heartbeatAction;
    const state = ctx.tail ? null : new StreamingState(ctx.stateStore, config.source.slot);
    freshRead = sink.committedOffset && !slotStart.created && state ? await freshReadFilter(ctx, state) : null;
    const session = new StreamSession({
      repl, decoder, builder, sink, logger, startLsn: slotStart.startLsn, knownTopics: ctx.knownTopics,
      options: {
        heartbeatMs: config.source.heartbeatMs,
        maxInFlightEvents: config.source.maxInFlightEvents,
        batchSize: Math.max(1, Math.min(config.sink.kafka.batchMaxRecords, config.source.maxInFlightEvents)),
        stopTimeoutMs: 30_000,
      },
      recordConfirmed: state ? (lsn) => state.confirm(lsn) : undefined,
      onConfirmed: ctx.onConfirmed,
      metrics: ctx.metrics,
      streamed: streamed ?? undefined,
      transactionMetadata: config.envelope.transactionMetadata === true
        ? { topic: transactionTopicName(config.topicPrefix), schemas: config.envelope.schemas === true }
        : undefined,
      heartbeat: hb.intervalMs > 0
        ? {
          intervalMs: hb.intervalMs,
          records: new HeartbeatRecords(hb.topicPrefix, config.topicPrefix, config.envelope.schemas === true),
          action: action === null ? undefined : () => action.run(),
        }
        : undefined,
      // Exactly-once: skip what the committed offset covers. A slot this attempt created has
      // replayed nothing yet: everything it sends starts after its consistent point.
      exactlyOnce: sink.committedOffset ? { committed: slotStart.created ? null : sink.committedOffset(), freshRead: freshRead ?? undefined } : undefined,
    });
    ctx.setSession(session);
    // The phase says streaming once the server accepted the stream: a stream refused as it
    // starts goes from connecting to backoff without a "connector streaming" line.
    const startLsn = formatLsn(slotStart.startLsn);
    const running = session.run(decoder.startOptions(), () => {
      if (lifecycle.canMoveTo('streaming')) lifecycle.to('streaming', { slot: slotName, startLsn }); // not while stopping
    });
    // The session can fail before it is awaited below (the server refuses the stream while the
    // setup connection closes): a handler now keeps that from being an unhandled rejection,
    // which would end the process; `await running` still throws it.
    running.catch(() => undefined);
    streaming = true;
    await client.end().catch(() => undefined);
    await running;
  } catch (e) {
    if (!streaming && setup && !ctx.tail) {
      await undoAttempt(setup, {
        slotCreated: slotStart?.created ?? (await readCreating(ctx.stateStore)),
        snapshotPublished: watch?.published() ?? false,
        publicationCreated,
        stateBefore,
      });
    }
    throw e;
  } finally {
    ctx.setSession(null);
    await freshRead?.close();
    streamed?.close(); // the session removes its spill when it ends; this covers a failed start
    await heartbeatAction?.close();
    await client.end().catch(() => undefined);
    repl?.destroy();
    await sink?.stop().catch((e: unknown) => logger.warn({ err: e }, 'sink stop failed'));
  }
}

/**
 * The keeper of streamed in-progress transactions when the session asks for them, with its
 * spill directory emptied; null when the server holds transactions until COMMIT instead.
 */
function streamedTransactions(ctx: AttemptContext, serverVersion: number): StreamedTransactions | null {
  const { config, logger } = ctx;
  if (!streamsInProgress(config, serverVersion)) {
    if (config.source.streamInProgress) {
      const why = config.source.plugin !== 'pgoutput'
        ? 'wal2json has no streaming of in-progress transactions'
        : `PostgreSQL ${serverVersion} is older than 14 (pgoutput protocol version 2)`;
      logger.info({ serverVersion }, `source.streamInProgress does not apply: ${why}; the server holds each transaction until COMMIT`);
    }
    return null;
  }
  const dir = ctx.tail
    ? join(tmpdir(), `walcast-${config.name}-tail-${process.pid}.spill`)
    : join(config.offsets.stateDir, `${config.name}.spill`);
  return new StreamedTransactions(SpillStore.open(dir, config.source.streamSpillMemoryBytes, config.source.streamSpillMaxBytes), logger);
}

/**
 * Exactly-once on a kept slot: the filter of replayed records a fresh snapshot of the connector's
 * completed snapshot already showed (fresh-read-filter.ts); null when every run read the slot's
 * own exported snapshot, or the state holds no such snapshot.
 */
async function freshReadFilter(ctx: AttemptContext, state: StreamingState): Promise<FreshReadFilter | null> {
  const snap = (await state.read()).snapshot;
  if (snap?.status !== 'complete' || snap.slot !== ctx.config.source.slot || !snap.replay) return null;
  const spec = parseReplaySpec(snap.replay);
  if (!spec) {
    ctx.logger.warn({ slot: snap.slot, state: ctx.stateStore.location }, 'the state\'s record of the snapshot runs is malformed: replayed changes are all sent (a row version may appear twice)');
    return null;
  }
  const recordTruncated = async (table: string, lsn: Lsn): Promise<void> => {
    await state.update((s) => {
      const replay = s.snapshot?.replay as { truncated?: Record<string, string> } | undefined;
      if (!s.snapshot || !replay || replay.truncated?.[table] !== undefined) return s;
      return { ...s, snapshot: { ...s.snapshot, replay: { ...replay, truncated: { ...replay.truncated, [table]: formatLsn(lsn) } } } };
    });
    ctx.logger.info({ table, commitLsn: formatLsn(lsn) }, 'exactly-once: a truncate of a table several snapshot runs read goes out; its replayed changes from there on are all sent');
  };
  const filter = new FreshReadFilter(spec, new KeyRangeChecker(ctx.config.source.url, ctx.logger), recordTruncated);
  if (!filter.active) return null;
  ctx.logger.info({ slot: snap.slot, runs: spec.reads.length },
    'exactly-once: replayed changes a fresh snapshot already showed are not sent again');
  return filter;
}

/** True when the state says a slot creation was started and its answer never came. */
async function readCreating(store: StateStore): Promise<boolean> {
  try {
    return (await store.read())?.slot?.status === 'creating';
  } catch {
    return false;
  }
}

async function snapshot(ctx: AttemptContext, client: Client, inspection: Inspection, builder: EnvelopeBuilder, sink: Sink, slot: SlotStart, reason: string): Promise<void> {
  const { config, logger, lifecycle } = ctx;
  lifecycle.to('snapshotting', { reason });
  let snapshotLsn = slot.startLsn;
  if (!slot.created) {
    // Stream from the kept slot's position; the fresh snapshot is read after it. The ids of this
    // snapshot's rows carry the current WAL position so they differ from an earlier run's.
    snapshotLsn = await currentWalLsn(client);
    logger.info({ slot: config.source.slot, startLsn: formatLsn(slot.startLsn), reason },
      'keeping the replication slot: a fresh snapshot is read, then changes since the slot position are replayed');
  }
  if (slot.startLsn === 0n) throw new ConnectorError('STATE', 'refusing to record a snapshot at 0/0', { context: { slot: config.source.slot } });
  let record = { slot: config.source.slot, consistentPoint: formatLsn(slot.startLsn), startedAt: new Date().toISOString() };
  // Exactly-once: an interrupted snapshot on the kept slot resumes from what it committed (its
  // progress rides in the offset record); a new slot or another snapshot starts from scratch.
  let resume: SnapshotProgressRecord | null = null;
  let priorMarks: unknown;
  if (sink.committedSnapshot && !slot.created) {
    const prior = (await ctx.stateStore.read())?.snapshot;
    if (prior?.status === 'in_progress' && prior.slot === record.slot && prior.consistentPoint === record.consistentPoint) {
      resume = progressFor(sink.committedSnapshot(), prior.startedAt);
      if (resume) {
        record = { ...record, startedAt: prior.startedAt };
        priorMarks = prior.deleteMarks;
      }
    }
  }
  const deletePass = config.snapshot.deleteMissing && config.sink.type === 'kafka'
    ? { kafka: config.sink.kafka, topicPrefix: config.topicPrefix, tables: inspection.tables, client, builder, sink, logger, lsn: snapshotLsn, maxInFlightRecords: config.source.maxInFlightEvents, signal: ctx.signal }
    : null;
  // The delete pass compares with the topics as they were before the snapshot's first run: a
  // resumed snapshot takes the end offsets its first run recorded.
  let marks: TopicMarks | null = null;
  if (deletePass && !resume) marks = await markTopics(deletePass);
  else if (deletePass) {
    marks = marksFromJson(priorMarks);
    if (!marks) {
      logger.warn({ slot: config.source.slot }, 'snapshot.deleteMissing: the interrupted snapshot recorded no topic end offsets from before it began (the option was off then): '
        + 'the delete pass is skipped, so rows deleted while walcast could not see them stay in the topics');
    }
  }
  const deleteMarks = marks ? marksToJson(marks) : undefined;
  await updateState(ctx.stateStore, (s) => ({ ...s, snapshot: { status: 'in_progress', ...record, ...(deleteMarks ? { deleteMarks } : {}) } }));
  const result = await runSnapshot({
    url: config.source.url,
    snapshotName: slot.snapshotName,
    consistentPoint: snapshotLsn,
    tables: inspection.tables,
    parallelism: config.snapshot.parallelism,
    chunkRows: config.snapshot.chunkRows,
    builder, sink, logger,
    maxInFlightRecords: config.source.maxInFlightEvents,
    progress: 'auto',
    metrics: ctx.metrics,
    signal: ctx.signal,
    exactlyOnce: sink.committedSnapshot ? { startedAt: record.startedAt, resume } : undefined,
  });
  if (deletePass && marks) await deleteMissingRows(deletePass, marks);
  await updateState(ctx.stateStore, (s) => ({
    ...s,
    snapshot: { status: 'complete', ...record, completedAt: new Date().toISOString(), rows: result.rows, tables: result.tables, ...(result.replay ? { replay: { ...result.replay } } : {}) },
  }));
  logger.info({ rows: result.rows, tables: result.tables, durationMs: result.durationMs, consistentPoint: record.consistentPoint }, 'snapshot complete: every row acknowledged by the broker');
}

/**
 * Prometheus metrics on a private registry (never prom-client's global one, so two connectors
 * or two tests in one process do not collide). Stages receive the `Metrics` interface.
 *
 * Who feeds what: the stream session (events, acks, confirmed LSN, in flight, behind source,
 * sink errors), the snapshotter (snapshot events and rows per table), the supervisor (errors by
 * code, reconnects) and its lag poller (lag bytes, read from the server).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ErrorCodes, type ErrorCode } from '../errors';

/** Where an event came from: the initial snapshot (op r) or the replication stream. */
export type EventPhase = 'snapshot' | 'stream';

export interface Metrics {
  /**
   * `count` change events handed to the sink for `table` (`schema.table`, as in logs) with
   * Debezium `op`. Logical messages (op m) have table "".
   */
  eventPublished(table: string, op: string, count?: number, phase?: EventPhase): void;
  /** Records acknowledged by the broker. */
  acked(count: number): void;
  /** LSN confirmed to PostgreSQL (as flush). bigint LSNs above 2^53 lose precision in the gauge. */
  confirmedLsn(lsn: bigint): void;
  /** pg_current_wal_lsn() - confirmed_flush_lsn of the slot, bytes (connector/pipeline/lag-poller.ts). */
  lagBytes(bytes: number): void;
  inflightEvents(count: number): void;
  sinkError(): void;
  /** Commit time of the newest event in an acknowledged batch to the ack, in ms. */
  behindSource(ms: number): void;
  /** A quiet interval with everything acknowledged (idle-watch.ts, the quiet check): behind_source_ms reads 0 (the histogram is untouched). */
  caughtUp(): void;
  /** A snapshot of `table` starts: done 0, estimate from pg_class.reltuples (-1: unknown). */
  snapshotTableStarted(table: string, estimatedRows: number): void;
  /** Rows of `table` read by the snapshot so far; `estimatedRows` as it stands now. */
  snapshotRows(table: string, done: number, estimatedRows: number): void;
  /** The supervisor starts a new pipeline attempt after a failure. */
  reconnect(): void;
  /** A pipeline attempt failed with `code` (retried or not). */
  error(code: ErrorCode): void;
  /** The connector's lifecycle phase is now `phase` (one of the `phases` the metrics were made with). */
  phase(phase: string): void;
  readonly registry: Registry;
  /** Prometheus text exposition format. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** From a few ms (a local broker) to minutes (a broker outage); seconds, as Prometheus prefers. */
const BEHIND_SOURCE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export interface MetricsOptions {
  readonly prefix?: string;
  readonly defaultMetrics?: boolean;
  readonly labels?: Record<string, string>;
  /** Every lifecycle phase: each has its walcast_phase series from the start (0, or 1 when current). */
  readonly phases?: readonly string[];
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? 'walcast_';
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];

  const events = new Counter({ name: `${prefix}events_total`, help: 'Change events handed to the sink, by table, op and phase (snapshot or stream)', labelNames: ['table', 'op', 'phase'] as const, registers });
  const acked = new Counter({ name: `${prefix}acked_total`, help: 'Records acknowledged by the broker', registers });
  const confirmed = new Gauge({ name: `${prefix}confirmed_lsn`, help: 'Last LSN confirmed to PostgreSQL (flush), as a number', registers });
  const lag = new Gauge({ name: `${prefix}lag_bytes`, help: 'WAL bytes between the server position and the slot\'s confirmed_flush_lsn, polled from the server', registers });
  const inflight = new Gauge({ name: `${prefix}inflight_events`, help: 'Events sent to the broker and not yet acknowledged', registers });
  const sinkErrors = new Counter({ name: `${prefix}sink_errors_total`, help: 'Stream sessions ended by a failed broker send (after the sink\'s own retries)', registers });
  const behindMs = new Gauge({ name: `${prefix}behind_source_ms`, help: 'Commit time of the newest acknowledged change to its broker ack, ms (last value; 0 after a heartbeat interval without changes, everything acknowledged)', registers });
  const behind = new Histogram({ name: `${prefix}behind_source_seconds`, help: 'Commit time to broker ack, per acknowledged batch, seconds', buckets: BEHIND_SOURCE_BUCKETS, registers });
  const snapDone = new Gauge({ name: `${prefix}snapshot_rows_done`, help: 'Rows read by the current or last snapshot, by table', labelNames: ['table'] as const, registers });
  const snapEstimated = new Gauge({ name: `${prefix}snapshot_rows_estimated`, help: 'Rows the snapshot expects, by table (pg_class.reltuples until the table is done, then the rows read)', labelNames: ['table'] as const, registers });
  const reconnects = new Counter({ name: `${prefix}reconnects_total`, help: 'Pipeline restarts after a failure (a new replication session)', registers });
  const errors = new Counter({ name: `${prefix}errors_total`, help: 'Pipeline failures by error code', labelNames: ['code'] as const, registers });
  // Every code present from the start at 0, so rate() and alerts see the first failure.
  for (const code of Object.keys(ErrorCodes)) errors.labels({ code }).inc(0);
  const phase = new Gauge({ name: `${prefix}phase`, help: 'The connector\'s lifecycle phase: 1 for the current one, 0 for the others', labelNames: ['phase'] as const, registers });
  for (const p of options.phases ?? []) phase.set({ phase: p }, 0);
  let currentPhase: string | null = null;

  return {
    registry,
    contentType: registry.contentType,
    eventPublished: (table, op, count = 1, phase = 'stream') => events.inc({ table, op, phase }, count),
    acked: (count) => acked.inc(count),
    confirmedLsn: (lsn) => confirmed.set(Number(lsn)),
    lagBytes: (bytes) => lag.set(bytes),
    inflightEvents: (count) => inflight.set(count),
    sinkError: () => sinkErrors.inc(),
    behindSource: (ms) => {
      // The commit time is the server's clock: a clock ahead of ours would give a negative age.
      const v = Math.max(0, ms);
      behindMs.set(v);
      behind.observe(v / 1000);
    },
    caughtUp: () => behindMs.set(0),
    snapshotTableStarted: (table, estimatedRows) => {
      snapDone.set({ table }, 0);
      if (estimatedRows >= 0) snapEstimated.set({ table }, estimatedRows);
      else snapEstimated.remove({ table });
    },
    snapshotRows: (table, done, estimatedRows) => {
      snapDone.set({ table }, done);
      if (estimatedRows >= 0) snapEstimated.set({ table }, estimatedRows);
    },
    reconnect: () => reconnects.inc(),
    error: (code) => errors.inc({ code }),
    phase: (p) => {
      if (currentPhase !== null) phase.set({ phase: currentPhase }, 0);
      phase.set({ phase: p }, 1);
      currentPhase = p;
    },
    render: () => registry.metrics(),
  };
}

/**
 * Prometheus metrics on a private registry (never prom-client's global one, so two connectors
 * or two tests in one process do not collide). Stages receive the `Metrics` interface.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  /** One decoded change published for `table` (`schema.table`) with Debezium `op`. */
  eventPublished(table: string, op: string, count?: number): void;
  /** Records acknowledged by the broker. */
  acked(count: number): void;
  /** LSN confirmed to PostgreSQL (as flush). bigint LSNs above 2^53 lose precision in the gauge. */
  confirmedLsn(lsn: bigint): void;
  /** pg_current_wal_lsn() - confirmed_flush_lsn, bytes. */
  lagBytes(bytes: number): void;
  inflightEvents(count: number): void;
  sinkError(): void;
  readonly registry: Registry;
  /** Prometheus text exposition format. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(options: { prefix?: string; defaultMetrics?: boolean; labels?: Record<string, string> } = {}): Metrics {
  const prefix = options.prefix ?? 'walcast_';
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix });

  const events = new Counter({ name: `${prefix}events_total`, help: 'Change events published, by table and op', labelNames: ['table', 'op'] as const, registers: [registry] });
  const acked = new Counter({ name: `${prefix}acked_total`, help: 'Records acknowledged by the broker', registers: [registry] });
  const confirmed = new Gauge({ name: `${prefix}confirmed_lsn`, help: 'Last LSN confirmed to PostgreSQL (flush), as a number', registers: [registry] });
  const lag = new Gauge({ name: `${prefix}lag_bytes`, help: 'WAL bytes between the server position and the confirmed LSN', registers: [registry] });
  const inflight = new Gauge({ name: `${prefix}inflight_events`, help: 'Events sent to the broker and not yet acknowledged', registers: [registry] });
  const sinkErrors = new Counter({ name: `${prefix}sink_errors_total`, help: 'Failed broker sends (each retry counts)', registers: [registry] });

  return {
    registry,
    contentType: registry.contentType,
    eventPublished: (table, op, count = 1) => events.inc({ table, op }, count),
    acked: (count) => acked.inc(count),
    confirmedLsn: (lsn) => confirmed.set(Number(lsn)),
    lagBytes: (bytes) => lag.set(bytes),
    inflightEvents: (count) => inflight.set(count),
    sinkError: () => sinkErrors.inc(),
    render: () => registry.metrics(),
  };
}

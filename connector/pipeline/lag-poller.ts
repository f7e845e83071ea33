/**
 * walcast_lag_bytes from the server's point of view: how much WAL the slot holds back,
 * `pg_current_wal_lsn() - confirmed_flush_lsn`, read every `intervalMs` on a normal connection
 * of its own (the replication connection cannot run SQL, and the pipeline's own connection
 * comes and goes with each attempt). It runs for the connector's whole life, through backoff,
 * because lag growing while the broker is down is exactly what an operator needs to see.
 *
 * A failed poll is logged once (and its recovery once); the connection is reopened next time.
 * While the slot does not exist yet, or on a standby that has received nothing, the gauge keeps
 * its last value.
 */
import { Client } from 'pg';
import type { WalcastConfig } from '../../config/types';
import { fromPgError } from '../errors';
import type { Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import { pgUrl } from '../source/pg-url';

export interface LagPollerOptions {
  readonly url: string;
  readonly slot: string;
  readonly intervalMs: number;
  readonly applicationName: string;
  readonly logger: Logger;
  readonly onLag: (bytes: number) => void;
}

export interface LagPoller {
  /** Resolves with the bytes read by one poll now (null: no slot or no position yet). For tests. */
  pollNow(): Promise<number | null>;
  stop(): Promise<void>;
}

// On a standby (logical decoding from a standby, PostgreSQL 16+) pg_current_wal_lsn() fails;
// the received position is the one the slot is measured against there.
const LAG_SQL = `SELECT (CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_receive_lsn()
                              ELSE pg_catalog.pg_current_wal_lsn() END - confirmed_flush_lsn)::text AS lag
                   FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`;

export function startLagPoller(options: LagPollerOptions): LagPoller {
  let client: Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let failing = false;

  const connect = async (): Promise<Client> => {
    if (client) return client;
    const c = new Client({ connectionString: await pgUrl(options.url), application_name: options.applicationName });
    c.on('error', () => undefined); // a dropped connection surfaces in the next query
    client = c;
    try {
      await c.connect();
    } catch (e) {
      client = null;
      throw e;
    }
    return c;
  };

  const poll = async (): Promise<number | null> => {
    if (stopped) return null;
    try {
      const c = await connect();
      const { rows } = await c.query<{ lag: string | null }>(LAG_SQL, [options.slot]);
      if (failing) options.logger.info({ slot: options.slot }, 'reading replication lag from the server again');
      failing = false;
      const lag = rows[0]?.lag;
      if (lag === undefined || lag === null) return null;
      const bytes = Number(lag);
      options.onLag(bytes);
      return bytes;
    } catch (e) {
      if (!failing) {
        // A server walcast cannot reach or log in to is the connector's own error to report (once,
        // by the supervisor); here it is only noise ahead of it. Anything else is this poll's.
        const err = fromPgError(e, 'PG_QUERY', 'cannot read replication lag from the server');
        const theirs = err.code === 'PG_CONNECT' || err.code === 'PG_AUTH';
        (theirs ? options.logger.debug.bind(options.logger) : options.logger.warn.bind(options.logger))(
          { code: err.code, slot: options.slot, retryInMs: options.intervalMs },
          `${err.message}; walcast_lag_bytes keeps its last value until it can`);
      }
      failing = true;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
      return null;
    }
  };

  const run = (): Promise<number | null> => {
    const p = running.then(poll);
    running = p.catch(() => undefined);
    return p;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => { void run().finally(schedule); }, options.intervalMs);
    timer.unref();
  };
  void run().finally(schedule);

  return {
    pollNow: run,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}

/** The connector's poller (null when `source.lagPollMs` is 0). */
export function lagPollerFor(config: WalcastConfig, metrics: Metrics, logger: Logger): LagPoller | null {
  if (config.source.lagPollMs <= 0) return null;
  return startLagPoller({
    url: config.source.url, slot: config.source.slot, intervalMs: config.source.lagPollMs,
    applicationName: `walcast-${config.name}-lag`, logger, onLag: (bytes) => metrics.lagBytes(bytes),
  });
}

/** `done`, settled (with its own outcome) only once the poller has stopped and closed its connection. */
export async function stoppingLagPoller(poller: LagPoller | null, done: Promise<void>): Promise<void> {
  try {
    await done;
  } finally {
    await poller?.stop();
  }
}

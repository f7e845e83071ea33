/**
 * One owner per slot: a PostgreSQL session advisory lock derived from the slot name, taken on a
 * normal connection that the owner holds for its lifetime. PostgreSQL releases a session lock
 * when the session ends, so a dead owner (kill -9, lost host) frees it as soon as the server
 * notices: at once for a closed socket, within the TCP keepalive time for a silent peer. The
 * server-side keepalives are set on the session for that; the client side pings the session so
 * the owner also notices when *it* lost the lock (server restart, network cut) and stops.
 *
 * Advisory locks live in one database; the key is the slot name hashed by the server
 * (`hashtextextended`), namespaced so it cannot collide with an application's own locks by
 * accident. pg_locks shows a bigint key as classid (high 32 bits) and objid (low 32 bits).
 */
import { Client } from 'pg';
import { ConnectorError, fromPgError } from '../errors';
import type { Logger } from '../observe/logger';
import { delay } from '../retry';
import { pgUrl } from './pg-url';

export interface OwnerOptions {
  readonly url: string;
  readonly slot: string;
  readonly applicationName: string;
  readonly logger: Logger;
  /** How often a standby tries the lock. */
  readonly pollMs?: number;
  /** How often the owner checks its session is alive (and its ping deadline). */
  readonly pingMs?: number;
  /** Called once when the instance starts waiting for another owner, with that owner's description. */
  readonly onStandby?: (holder: string) => void;
}

export interface SlotOwnership {
  /** Resolves (never rejects) when the lock connection is lost: the instance no longer owns the slot. */
  readonly lost: Promise<ConnectorError>;
  readonly isLost: () => boolean;
  release(): Promise<void>;
}

const LOCK_KEY_SQL = "hashtextextended('walcast slot ' || $1::text, 0)";

/** Session keepalives so the server notices a dead owner (and frees its lock) within ~20 s. */
const KEEPALIVE_SQL = 'SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 3; SET tcp_keepalives_count = 3';

/**
 * Waits until this instance holds the slot's lock; returns null when `signal` aborts first.
 * Connection failures reject (retriable PG_CONNECT), so the supervisor's backoff applies.
 */
export async function acquireSlotOwnership(options: OwnerOptions, signal: AbortSignal): Promise<SlotOwnership | null> {
  const { logger, slot } = options;
  const client = new Client({
    connectionString: await pgUrl(options.url), application_name: options.applicationName,
    keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: 10_000,
  });
  let lostReason: ConnectorError | null = null;
  let onLost: (e: ConnectorError) => void = () => undefined;
  const lost = new Promise<ConnectorError>((resolve) => { onLost = resolve; });
  const markLost = (e: ConnectorError): void => {
    if (lostReason) return;
    lostReason = e;
    onLost(e);
  };
  client.on('error', (e) => markLost(fromPgError(e, 'PG_CONNECT', `lost the connection holding the ownership of slot "${slot}"`, { slot })));
  client.on('end', () => markLost(new ConnectorError('PG_CONNECT', `the connection holding the ownership of slot "${slot}" ended`, { context: { slot } })));
  try {
    await client.connect();
    await client.query(KEEPALIVE_SQL);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw fromPgError(e, 'PG_CONNECT', `cannot connect to take the ownership of slot "${slot}"`, { slot });
  }

  let waitingFor: string | null = null;
  try {
    for (;;) {
      if (lostReason) throw lostReason;
      const { rows: [got] } = await client.query<{ ok: boolean }>(`SELECT pg_catalog.pg_try_advisory_lock(${LOCK_KEY_SQL}) AS ok`, [slot]);
      if (got.ok) break;
      const holder = await describeHolder(client, slot);
      if (holder !== waitingFor) {
        waitingFor = holder;
        logger.info({ slot, owner: holder }, `slot "${slot}" is owned by another walcast instance (${holder}); waiting as hot standby`);
        options.onStandby?.(holder);
      }
      if (!(await delay(options.pollMs ?? 1000, signal))) {
        await client.end().catch(() => undefined);
        return null;
      }
    }
  } catch (e) {
    await client.end().catch(() => undefined);
    throw fromPgError(e, 'PG_CONNECT', `cannot take the ownership of slot "${slot}"`, { slot });
  }
  logger.info({ slot }, waitingFor ? `took over the ownership of slot "${slot}" from ${waitingFor}` : `owns slot "${slot}"`);

  // The owner pings its session; a ping that fails or outlasts its deadline means the lock may
  // be gone (the server frees it when the session ends), so the owner must stop at once.
  const pingMs = options.pingMs ?? 2000;
  let released = false;
  const pinger = setInterval(() => {
    if (released || lostReason) return;
    const deadline = setTimeout(() => {
      markLost(new ConnectorError('PG_CONNECT', `the connection holding the ownership of slot "${slot}" stopped answering`, { context: { slot } }));
      void client.end().catch(() => undefined);
    }, pingMs * 3);
    client.query('SELECT 1').then(
      () => clearTimeout(deadline),
      (e: unknown) => { clearTimeout(deadline); markLost(fromPgError(e, 'PG_CONNECT', `lost the connection holding the ownership of slot "${slot}"`, { slot })); },
    );
  }, pingMs);
  pinger.unref();

  return {
    lost,
    isLost: () => lostReason !== null,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(pinger);
      // Ending the session releases the lock; an explicit unlock first makes it immediate even
      // when the socket close is slow.
      if (!lostReason) await client.query(`SELECT pg_catalog.pg_advisory_unlock(${LOCK_KEY_SQL})`, [slot]).catch(() => undefined);
      lostReason ??= new ConnectorError('ABORTED', 'ownership released');
      await client.end().catch(() => undefined);
    },
  };
}

/** "pid 1234 (walcast-shop, 10.0.0.7)" for the session holding the slot's lock, if visible. */
async function describeHolder(client: Client, slot: string): Promise<string> {
  const { rows } = await client.query<{ pid: number; app: string | null; addr: string | null }>(
    `SELECT l.pid, a.application_name AS app, host(a.client_addr) AS addr
       FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) = ${LOCK_KEY_SQL}`,
    [slot],
  );
  const r = rows[0];
  if (!r) return 'an instance that just released it';
  return `pid ${r.pid}${r.app ? ` (${r.app}${r.addr ? `, ${r.addr}` : ''})` : ''}`;
}

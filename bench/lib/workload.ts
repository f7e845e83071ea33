/**
 * The benchmark database and workload: a fresh database per scenario, the `bench` table
 * (~100-byte rows), slots created before the workload, and the workload itself in transactions
 * of 10k rows. The workload reads pg_current_wal_lsn() inside its last transaction, before the
 * COMMIT: a slot whose confirmed_flush_lsn is beyond that LSN has confirmed the last commit.
 */
import { Client, escapeIdentifier } from 'pg';
import type { PgServer } from '../../test/infra/postgres';

export const TXN_ROWS = 10_000;

export interface BenchDb {
  readonly name: string;
  /** TCP URL as the `walcast` role (SUPERUSER + REPLICATION), for walcast and pg_recvlogical. */
  readonly url: string;
  /** Runs SQL as superuser over the unix socket. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A dedicated superuser connection (for transactions); the caller ends it. */
  connect(): Promise<Client>;
}

export async function createBenchDatabase(pg: PgServer, name: string): Promise<BenchDb> {
  const url = await pg.createDatabase(name);
  return {
    name,
    url,
    query: <T>(sql: string, params: unknown[] = []) => pg.query<T>(sql, params, name),
    async connect(): Promise<Client> {
      const c = new Client({ host: pg.socketDir, port: pg.port, user: 'postgres', database: name, application_name: 'walcast-bench' });
      await c.connect();
      return c;
    },
  };
}

/** `bench(id, name, amount, created, payload)`: about 100 bytes of column data per row. */
export async function createBenchTable(db: BenchDb, table = 'bench'): Promise<void> {
  await db.query(`CREATE TABLE ${escapeIdentifier(table)} (
    id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL,
    created timestamptz NOT NULL, payload text NOT NULL)`);
}

export async function createPublication(db: BenchDb, publication: string, table = 'bench'): Promise<void> {
  await db.query(`CREATE PUBLICATION ${escapeIdentifier(publication)} FOR TABLE ${escapeIdentifier(table)}`);
}

export interface SlotSpec { readonly name: string; readonly plugin: 'pgoutput' | 'wal2json' }

/** Creates the slots back to back (nothing is written in between): all start at the same point. */
export async function createSlots(db: BenchDb, slots: readonly SlotSpec[]): Promise<bigint> {
  let start = 0n;
  for (const s of slots) {
    const [row] = await db.query<{ lsn: string }>(
      "SELECT (lsn - '0/0')::text AS lsn FROM pg_create_logical_replication_slot($1, $2)", [s.name, s.plugin]);
    start = BigInt(row.lsn);
  }
  return start;
}

export async function dropSlots(db: BenchDb, slots: readonly string[]): Promise<void> {
  for (const s of slots) {
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [s])
      .catch(() => undefined);
  }
}

export interface WorkloadResult {
  readonly rows: number;
  readonly transactions: number;
  readonly seconds: number;
  /** pg_current_wal_lsn() read inside the last transaction, before its COMMIT. */
  readonly lastLsn: bigint;
  /** WAL end after the last commit. */
  readonly endLsn: bigint;
}

/** Inserts ids 1..rows into `table` in transactions of TXN_ROWS rows. */
export async function runWorkload(db: BenchDb, rows: number, progress: (msg: string) => void, table = 'bench'): Promise<WorkloadResult> {
  const client = await db.connect();
  const insert = `INSERT INTO ${escapeIdentifier(table)} (id, name, amount, created, payload)
    SELECT g, 'customer-' || g, (g % 10000000) / 100.0, now(), md5(g::text) || md5((g * 7)::text)
    FROM generate_series($1::bigint, $2::bigint) AS g`;
  const started = performance.now();
  let lastLsn = 0n;
  let transactions = 0;
  let nextReport = 1; // in tenths
  try {
    for (let first = 1; first <= rows; first += TXN_ROWS) {
      const last = Math.min(rows, first + TXN_ROWS - 1);
      await client.query('BEGIN');
      await client.query(insert, [first, last]);
      if (last === rows) {
        const r = await client.query<{ lsn: string }>("SELECT (pg_current_wal_lsn() - '0/0')::text AS lsn");
        lastLsn = BigInt(r.rows[0].lsn);
      }
      await client.query('COMMIT');
      transactions++;
      if ((10 * last) / rows >= nextReport && last < rows) {
        progress(`  workload: ${Math.round((100 * last) / rows)}% (${last.toLocaleString('en-US')} rows)`);
        nextReport = Math.floor((10 * last) / rows) + 1;
      }
    }
    const r = await client.query<{ lsn: string }>("SELECT (pg_current_wal_lsn() - '0/0')::text AS lsn");
    return { rows, transactions, seconds: (performance.now() - started) / 1000, lastLsn, endLsn: BigInt(r.rows[0].lsn) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** confirmed_flush_lsn of `slot` as a number, null when unset or no such slot. */
export async function confirmedFlushLsn(db: BenchDb, slot: string): Promise<bigint | null> {
  const [row] = await db.query<{ lsn: string | null }>(
    "SELECT (confirmed_flush_lsn - '0/0')::text AS lsn FROM pg_replication_slots WHERE slot_name = $1", [slot]);
  return row?.lsn ? BigInt(row.lsn) : null;
}

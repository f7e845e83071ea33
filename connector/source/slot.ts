/**
 * Replication slot inspection and creation. Inspection runs on a normal connection with bind
 * parameters; creation runs CREATE_REPLICATION_SLOT on the replication connection because only
 * that form can export a snapshot (used by the snapshotter).
 */
import type { ClientBase } from 'pg';
import { ConnectorError } from '../errors';
import { Lsn, parseLsn } from '../protocol/lsn';
import type { ReplicationConnection } from './replication-connection';
import type { Queryable } from './tables';
import { quoteIdent } from './sql';

export interface SlotInfo {
  readonly name: string;
  readonly plugin: string;
  readonly database: string | null;
  readonly active: boolean;
  readonly activePid: number | null;
  readonly confirmedFlushLsn: Lsn | null;
  readonly restartLsn: Lsn | null;
  /** reserved | extended | unreserved | lost (PG 13+). */
  readonly walStatus: string | null;
}

/** What `status` and `validate` show of a slot beyond what the pipeline needs. */
export interface SlotFacts extends SlotInfo {
  /** logical | physical: a physical slot of this name is a problem, never used. */
  readonly slotType: string;
  /** Server WAL position (replay position on a standby) minus confirmed_flush_lsn. */
  readonly lagBytes: number | null;
  /** Bytes that may still be written before the slot is in danger of losing WAL; null = unlimited. */
  readonly safeWalSize: number | null;
}

/** The slot of this name, or null; read-only, on a normal connection. */
export async function getSlot(client: Queryable, name: string): Promise<SlotFacts | null> {
  const { rows } = await client.query<{
    slot_name: string; plugin: string | null; slot_type: string; database: string | null; active: boolean;
    active_pid: number | null; confirmed_flush_lsn: string | null; restart_lsn: string | null; wal_status: string | null;
    safe_wal_size: string | null; lag_bytes: string | null;
  }>(
    `SELECT slot_name, plugin, slot_type, database, active, active_pid, confirmed_flush_lsn::text AS confirmed_flush_lsn,
            restart_lsn::text AS restart_lsn, wal_status, safe_wal_size::text AS safe_wal_size,
            pg_catalog.pg_wal_lsn_diff(
              CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_lsn() END,
              confirmed_flush_lsn)::text AS lag_bytes
       FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`,
    [name],
  );
  const r = rows[0];
  if (!r) return null;
  const num = (v: string | null) => (v === null ? null : Number(v));
  return {
    name: r.slot_name,
    plugin: r.plugin ?? '',
    slotType: r.slot_type,
    database: r.database,
    active: r.active,
    activePid: r.active_pid,
    confirmedFlushLsn: r.confirmed_flush_lsn ? parseLsn(r.confirmed_flush_lsn) : null,
    restartLsn: r.restart_lsn ? parseLsn(r.restart_lsn) : null,
    walStatus: r.wal_status,
    lagBytes: num(r.lag_bytes),
    safeWalSize: num(r.safe_wal_size),
  };
}

/** Problems that make an existing slot unusable for this connector (empty when fine). */
export function slotProblems(slot: SlotFacts, expected: { plugin: string; database: string }, opts: { allowLost?: boolean } = {}): string[] {
  if (slot.slotType !== 'logical') return [`replication slot "${slot.name}" is a ${slot.slotType} slot, not a logical one`];
  const problems: string[] = [];
  if (slot.plugin !== expected.plugin) {
    problems.push(`replication slot "${slot.name}" uses plugin ${slot.plugin}, but source.plugin is ${expected.plugin}`);
  }
  if (slot.database !== null && slot.database !== expected.database) {
    problems.push(`replication slot "${slot.name}" belongs to database "${slot.database}", not "${expected.database}"`);
  }
  if (slot.walStatus === 'lost' && !opts.allowLost) {
    problems.push(`replication slot "${slot.name}" is invalidated (wal_status = lost): WAL it needs was removed`);
  }
  return problems;
}

export interface CreatedSlot {
  readonly consistentPoint: Lsn;
  /** Exported snapshot name, valid while the replication connection stays idle. */
  readonly snapshotName: string | null;
}

/**
 * CREATE_REPLICATION_SLOT waits for every transaction running now to finish. A temporary slot
 * is dropped by the server when the replication connection ends (tail uses one).
 */
export async function createSlot(repl: ReplicationConnection, name: string, plugin: string, exportSnapshot: boolean, temporary = false): Promise<CreatedSlot> {
  const snapshot = exportSnapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT';
  const rows = await repl.command<{ consistent_point: string; snapshot_name: string | null }>(
    `CREATE_REPLICATION_SLOT ${quoteIdent(name)}${temporary ? ' TEMPORARY' : ''} LOGICAL ${quoteIdent(plugin)} ${snapshot}`,
  );
  return { consistentPoint: parseLsn(rows[0].consistent_point), snapshotName: rows[0].snapshot_name ?? null };
}

export async function dropSlot(client: ClientBase, name: string): Promise<void> {
  await client.query('SELECT pg_catalog.pg_drop_replication_slot($1) WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1)', [name]);
}

/**
 * Drops a slot walcast must not use (left by a kill during its creation, or gone bad), also
 * when a walsender still holds it: a creation killed on the client side keeps waiting on the
 * server for running transactions. Only called while this instance owns the slot (advisory
 * lock), so the holder is never a live walcast owner.
 */
export async function dropSlotForcibly(client: ClientBase, name: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const slot = await getSlot(client, name);
    if (!slot) return;
    if (!slot.active) {
      await dropSlot(client, name);
      return;
    }
    if (slot.activePid !== null) await client.query('SELECT pg_catalog.pg_terminate_backend($1)', [slot.activePid]);
    if (Date.now() > deadline) {
      throw new ConnectorError('SLOT_IN_USE', `replication slot "${name}" is still held by PID ${slot.activePid ?? '?'} after terminating it`, { context: { slot: name } });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

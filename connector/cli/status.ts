import type { WalcastConfig } from '../../config/types';
import { ConnectorError, fromPgError } from '../errors';
import { formatLsn } from '../protocol/lsn';
import { inspectReplication } from '../source/inspect';
import { displayName, type Queryable } from '../source/tables';
import { type CliIo, ExitCode, println } from './io';
import { type ConfigFiles, errorText, loadOrReport, type ValidateDeps } from './validate';

export interface SlotStatus {
  readonly name: string;
  readonly exists: boolean;
  readonly plugin: string | null;
  readonly database: string | null;
  readonly active: boolean;
  readonly activePid: number | null;
  readonly confirmedFlushLsn: string | null;
  readonly restartLsn: string | null;
  /** Server WAL position (replay position on a standby) minus confirmed_flush_lsn. */
  readonly lagBytes: number | null;
  readonly walStatus: string | null;
  /** Bytes that may still be written before the slot is in danger of losing WAL; null = unlimited. */
  readonly safeWalSize: number | null;
}

export interface PublicationStatus {
  readonly name: string;
  readonly exists: boolean;
  readonly allTables: boolean;
  readonly tables: string[];
}

export interface StatusReport {
  readonly slot: SlotStatus;
  /** null with wal2json, which uses no publication. */
  readonly publication: PublicationStatus | null;
}

/** The shared inspection's slot and publication (source/inspect.ts), as `status` reports them. */
export async function readStatus(client: Queryable, config: WalcastConfig): Promise<StatusReport> {
  const name = config.source.slot;
  const { slot: s, publication: p } = await inspectReplication(client, config.source);
  const slot: SlotStatus = s
    ? {
      name, exists: true, plugin: s.plugin, database: s.database, active: s.active, activePid: s.activePid,
      confirmedFlushLsn: s.confirmedFlushLsn === null ? null : formatLsn(s.confirmedFlushLsn),
      restartLsn: s.restartLsn === null ? null : formatLsn(s.restartLsn), lagBytes: s.lagBytes,
      walStatus: s.walStatus, safeWalSize: s.safeWalSize,
    }
    : {
      name, exists: false, plugin: null, database: null, active: false, activePid: null, confirmedFlushLsn: null,
      restartLsn: null, lagBytes: null, walStatus: null, safeWalSize: null,
    };
  if (config.source.plugin !== 'pgoutput') return { slot, publication: null };
  const pubName = config.source.publication;
  if (!p) return { slot, publication: { name: pubName, exists: false, allTables: false, tables: [] } };
  return { slot, publication: { name: pubName, exists: true, allTables: p.allTables, tables: p.tables.map(displayName) } };
}

export function formatStatus(r: StatusReport): string[] {
  const s = r.slot;
  const lines = [`slot            ${s.name}${s.exists ? '' : ' (does not exist)'}`];
  if (s.exists) {
    lines.push(
      `  plugin        ${s.plugin ?? '-'}`,
      `  database      ${s.database ?? '-'}`,
      `  active        ${s.active ? `yes (pid ${s.activePid ?? '?'})` : 'no'}`,
      `  confirmed     ${s.confirmedFlushLsn ?? '-'}`,
      `  restart       ${s.restartLsn ?? '-'}`,
      `  lag           ${s.lagBytes === null ? '-' : bytes(s.lagBytes)}`,
      `  wal_status    ${s.walStatus ?? '-'}`,
      `  safe_wal_size ${s.safeWalSize === null ? 'unlimited' : bytes(s.safeWalSize)}`,
    );
  }
  const p = r.publication;
  if (p) {
    const what = !p.exists ? ' (does not exist)' : p.allTables ? ` (FOR ALL TABLES, ${p.tables.length} tables)` : ` (${p.tables.length} tables)`;
    lines.push(`publication     ${p.name}${what}`, ...p.tables.map((t) => `  ${t}`));
  }
  return lines;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]} (${n} bytes)`;
}

/** `walcast status`: slot and publication state, as a table or `--json`. Exit 2 when the server can not be read. */
export async function statusCommand(opts: ConfigFiles & { json: boolean }, io: CliIo, deps: ValidateDeps): Promise<ExitCode> {
  const config = loadOrReport(opts, io);
  if (config === null) return ExitCode.CONFIG;
  try {
    const session = await deps.connect(config.source.url, `walcast-status-${config.name}`);
    try {
      const report = await readStatus(session, config).catch((e: unknown) => { throw fromPgError(e, 'PG_QUERY', 'reading slot status failed'); });
      if (opts.json) println(io.stdout, JSON.stringify(report, null, 2));
      else for (const l of formatStatus(report)) println(io.stdout, l);
      return ExitCode.OK;
    } finally {
      await session.end().catch(() => undefined);
    }
  } catch (e) {
    println(io.stderr, `status failed: ${errorText(e)}`);
    // --json readers (scripts, monitoring) get an object on stdout too, not an empty output.
    if (opts.json) {
      const code = e instanceof ConnectorError ? e.code : 'ABORTED';
      println(io.stdout, JSON.stringify({ error: { code, message: e instanceof ConnectorError ? e.message : errorText(e) } }, null, 2));
    }
    return ExitCode.RUNTIME;
  }
}

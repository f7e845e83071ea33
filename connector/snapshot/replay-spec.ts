/**
 * Exactly-once, after a snapshot: which run read which rows, kept in the connector state for the
 * stream (pure; pipeline/fresh-read-filter.ts applies it).
 *
 * The slot replays every transaction since its position. A run of the snapshot that read a fresh
 * snapshot (not the slot's exported one) already shows the effect of the replayed transactions
 * its snapshot sees, on the rows it read: those records must not be sent again. For each table,
 * the spec keeps the ranges of the snapshot progress (resume.ts) in commit order, merged where a
 * run's adjacent chunks allow, and the key columns to compare a changed row's key with them.
 * A table every row of which one run read holds one `all` range.
 */
import { isLsnText } from '../protocol/lsn';
import { isReadPoint, parseRanges, type DoneRange, type ReadPoint, type SnapshotProgressRecord } from './resume';
import type { KeyColumn, SnapshotTable } from './types';

export interface ReplayTable {
  /** Primary key in index order; empty for a table without one. */
  readonly key: readonly KeyColumn[];
  /** Ranges in the order they were committed: the first one holding a key is the one that read it. */
  readonly ranges: readonly DoneRange[];
}

export interface ReplaySpec {
  readonly reads: readonly ReadPoint[];
  readonly tables: Readonly<Record<string, ReplayTable>>;
  /** Tables whose truncate in the replay went out: the commit LSN (`X/Y`) from which they are not filtered. */
  readonly truncated?: Readonly<Record<string, string>>;
}

export const replayTableName = (schema: string, table: string): string => `${schema}.${table}`;

/** The spec of a completed snapshot: its progress and the tables it read. */
export function replaySpec(progress: SnapshotProgressRecord, tables: readonly SnapshotTable[]): ReplaySpec {
  const out: Record<string, ReplayTable> = {};
  for (const t of tables) {
    const name = replayTableName(t.relation.schema, t.relation.table);
    const ranges = progress.tables[name];
    if (!ranges || ranges.length === 0) continue;
    out[name] = { key: t.primaryKey, ranges: compact(ranges) };
  }
  return { reads: progress.reads, tables: out };
}

/** A spec read back from the connector state; null when it is not one (then nothing is dropped). */
export function parseReplaySpec(value: unknown): ReplaySpec | null {
  if (typeof value !== 'object' || value === null) return null;
  const { reads, tables, truncated } = value as Record<string, unknown>;
  if (!Array.isArray(reads) || reads.length === 0 || !reads.every(isReadPoint)) return null;
  if (typeof tables !== 'object' || tables === null) return null;
  if (truncated !== undefined && (typeof truncated !== 'object' || truncated === null || !Object.values(truncated).every((l) => typeof l === 'string' && isLsnText(l)))) return null;
  const out: Record<string, ReplayTable> = {};
  for (const [name, t] of Object.entries(tables as Record<string, unknown>)) {
    const { key, ranges } = (t ?? {}) as Record<string, unknown>;
    const parsed = parseRanges(ranges, reads.length);
    if (!parsed || parsed.length === 0 || !Array.isArray(key) || !key.every(isKeyColumn)) return null;
    out[name] = { key, ranges: parsed };
  }
  return truncated === undefined ? { reads, tables: out } : { reads, tables: out, truncated: truncated as Record<string, string> };
}

function isKeyColumn(v: unknown): v is KeyColumn {
  const k = v as Record<string, unknown> | null;
  return typeof k === 'object' && k !== null && typeof k.name === 'string' && typeof k.typeSql === 'string'
    && (k.collationSql === null || typeof k.collationSql === 'string');
}

/**
 * One `all` range when one run read the whole table; else key ranges of one run merged where
 * one ends where the next begins (one plan's chunks; runs keep their order, since a later run's
 * chunks left out what earlier runs had read). Page ranges stay as they are.
 */
export function compact(ranges: readonly DoneRange[]): DoneRange[] {
  const read = ranges[0]!.read;
  if (ranges.every((r) => r.read === read)) return [{ kind: 'all', read }];
  const out: DoneRange[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last?.kind === 'keys' && r.kind === 'keys' && last.read === r.read && last.upper !== null && sameBound(last.upper, r.lower)) {
      out[out.length - 1] = { kind: 'keys', lower: last.lower, upper: r.upper, read: r.read };
    } else if (last?.kind === 'keys' && r.kind === 'keys' && last.read === r.read && r.upper !== null && sameBound(r.upper, last.lower)) {
      out[out.length - 1] = { kind: 'keys', lower: r.lower, upper: last.upper, read: r.read };
    } else {
      out.push(r);
    }
  }
  return out;
}

function sameBound(a: readonly string[], b: readonly string[] | null): boolean {
  return b !== null && a.length === b.length && a.every((v, i) => v === b[i]);
}

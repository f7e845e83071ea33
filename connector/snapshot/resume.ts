/**
 * Snapshot progress for exactly-once (pure): which chunk ranges of which table were committed
 * to Kafka, recorded in the offset record with every chunk's Kafka transaction, so a snapshot
 * interrupted by a kill resumes instead of redoing what consumers already have.
 *
 * A resumed snapshot reads a fresh snapshot (the slot is kept, see snapshot-decision.ts) and
 * plans its chunks anew; each chunk's SELECT then leaves out every range recorded as done:
 * key ranges `(lower, upper]` compared as row values in SQL (stable: a row's key does not
 * change), ctid page ranges `[from, to)` for tables without a key (a row an UPDATE moved to
 * another page since the interruption may be read again, in its newer version).
 * Format, per table `schema.table`: the done ranges, `{"kind":"keys","lower","upper"}` (key
 * values as PostgreSQL text) | `{"kind":"pages","fromPage","toPage"}` | `{"kind":"all"}`, each
 * with `read`: the index in `reads` of the run that read it. `reads` lists every run's snapshot
 * (ReadPoint): null for the slot's exported snapshot, which sees no transaction the slot
 * replays; else what a fresh snapshot saw, so the stream can drop the replayed changes that run
 * already showed (fresh-read-filter.ts). A record without `reads` (older) has one null run.
 */
import { isLsnText } from '../protocol/lsn';
import type { Chunk } from './chunks';

export type DoneRange = (
  | { readonly kind: 'keys'; readonly lower: readonly string[] | null; readonly upper: readonly string[] | null }
  | { readonly kind: 'pages'; readonly fromPage: number; readonly toPage: number | null }
  | { readonly kind: 'all' }
) & { readonly read: number };

/**
 * What one run's snapshot saw: `snapshot` is pg_current_snapshot() as text (`xmin:xmax:xip,...`),
 * `walAfter` the WAL insert position read after it was taken (every transaction it sees committed
 * below it). On a standby (whose pg_current_snapshot() lists no running transaction) `snapshot`
 * is '' and `walAfter` the replay position read before the snapshot: it saw what committed below
 * that (and perhaps more, which is then sent again: never less). null: the slot's exported snapshot.
 */
export type ReadPoint = { readonly snapshot: string; readonly walAfter: string } | null;

/** The progress committed with a snapshot chunk. `startedAt` names the snapshot it belongs to. */
export type SnapshotProgressRecord = {
  readonly startedAt: string;
  readonly reads: readonly ReadPoint[];
  readonly tables: Readonly<Record<string, readonly DoneRange[]>>;
};

export function doneRangeOf(chunk: Chunk, read: number): DoneRange {
  switch (chunk.kind) {
    case 'keys': return { kind: 'keys', lower: chunk.lower, upper: chunk.upper, read };
    case 'pages': return { kind: 'pages', fromPage: chunk.fromPage, toPage: chunk.toPage, read };
    case 'all': return { kind: 'all', read };
  }
}

const SNAPSHOT_TEXT = /^(\d+:\d+:[\d,]*)?$/;

export const isReadPoint = (v: unknown): v is ReadPoint => {
  if (v === null) return true;
  const p = v as Record<string, unknown>;
  return typeof v === 'object' && typeof p.snapshot === 'string' && SNAPSHOT_TEXT.test(p.snapshot)
    && typeof p.walAfter === 'string' && isLsnText(p.walAfter);
};

const isStrings = (v: unknown): v is string[] | null => v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

/** The progress in an offset record, if it is well-formed and belongs to the snapshot started at `startedAt`. */
export function progressFor(value: Readonly<Record<string, unknown>> | null, startedAt: string): SnapshotProgressRecord | null {
  if (!value || value.startedAt !== startedAt || typeof value.tables !== 'object' || value.tables === null) return null;
  const reads = value.reads === undefined ? [null] : value.reads;
  if (!Array.isArray(reads) || reads.length === 0 || !reads.every(isReadPoint)) return null;
  const tables: Record<string, DoneRange[]> = {};
  for (const [name, ranges] of Object.entries(value.tables as Record<string, unknown>)) {
    const out = parseRanges(ranges, reads.length);
    if (!out) return null;
    tables[name] = out;
  }
  return { startedAt, reads, tables };
}

/** Done ranges from JSON (a range without `read` is of run 0); null when one is malformed. */
export function parseRanges(ranges: unknown, runs: number): DoneRange[] | null {
  if (!Array.isArray(ranges)) return null;
  const out: DoneRange[] = [];
  for (const r of ranges as Array<Record<string, unknown> | null>) {
    const read = r?.read === undefined ? 0 : r.read;
    if (!r || typeof read !== 'number' || !Number.isInteger(read) || read < 0 || read >= runs) return null;
    if (r.kind === 'keys' && isStrings(r.lower) && isStrings(r.upper)) out.push({ kind: 'keys', lower: r.lower, upper: r.upper, read });
    else if (r.kind === 'pages' && typeof r.fromPage === 'number' && (r.toPage === null || typeof r.toPage === 'number')) out.push({ kind: 'pages', fromPage: r.fromPage, toPage: r.toPage, read });
    else if (r.kind === 'all') out.push({ kind: 'all', read });
    else return null;
  }
  return out;
}

/**
 * Cumulative progress of one snapshot: what earlier attempts committed plus this one's chunks,
 * which were read at `point` (this run's ReadPoint).
 */
export class SnapshotProgressLedger {
  private readonly tables = new Map<string, DoneRange[]>();
  private readonly reads: readonly ReadPoint[];

  constructor(private readonly startedAt: string, resumed: SnapshotProgressRecord | null, point: ReadPoint) {
    for (const [name, ranges] of Object.entries(resumed?.tables ?? {})) this.tables.set(name, [...ranges]);
    this.reads = [...(resumed?.reads ?? []), point];
  }

  /** Adds a chunk read in this run and returns the progress to commit with it. */
  add(table: string, chunk: Chunk): SnapshotProgressRecord {
    const list = this.tables.get(table) ?? [];
    list.push(doneRangeOf(chunk, this.reads.length - 1));
    this.tables.set(table, list);
    return this.current();
  }

  current(): SnapshotProgressRecord {
    return { startedAt: this.startedAt, reads: this.reads, tables: Object.fromEntries([...this.tables].map(([k, v]) => [k, [...v]])) };
  }
}

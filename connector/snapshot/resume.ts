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
 * values as PostgreSQL text) | `{"kind":"pages","fromPage","toPage"}` | `{"kind":"all"}`.
 */
import type { Chunk } from './chunks';

export type DoneRange =
  | { readonly kind: 'keys'; readonly lower: readonly string[] | null; readonly upper: readonly string[] | null }
  | { readonly kind: 'pages'; readonly fromPage: number; readonly toPage: number | null }
  | { readonly kind: 'all' };

/** The progress committed with a snapshot chunk. `startedAt` names the snapshot it belongs to. */
export type SnapshotProgressRecord = {
  readonly startedAt: string;
  readonly tables: Readonly<Record<string, readonly DoneRange[]>>;
};

export function doneRangeOf(chunk: Chunk): DoneRange {
  switch (chunk.kind) {
    case 'keys': return { kind: 'keys', lower: chunk.lower, upper: chunk.upper };
    case 'pages': return { kind: 'pages', fromPage: chunk.fromPage, toPage: chunk.toPage };
    case 'all': return { kind: 'all' };
  }
}

const isStrings = (v: unknown): v is string[] | null => v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

/** The progress in an offset record, if it is well-formed and belongs to the snapshot started at `startedAt`. */
export function progressFor(value: Readonly<Record<string, unknown>> | null, startedAt: string): SnapshotProgressRecord | null {
  if (!value || value.startedAt !== startedAt || typeof value.tables !== 'object' || value.tables === null) return null;
  const tables: Record<string, DoneRange[]> = {};
  for (const [name, ranges] of Object.entries(value.tables as Record<string, unknown>)) {
    if (!Array.isArray(ranges)) return null;
    const out: DoneRange[] = [];
    for (const r of ranges as Array<Record<string, unknown>>) {
      if (r?.kind === 'keys' && isStrings(r.lower) && isStrings(r.upper)) out.push({ kind: 'keys', lower: r.lower, upper: r.upper });
      else if (r?.kind === 'pages' && typeof r.fromPage === 'number' && (r.toPage === null || typeof r.toPage === 'number')) out.push({ kind: 'pages', fromPage: r.fromPage, toPage: r.toPage });
      else if (r?.kind === 'all') out.push({ kind: 'all' });
      else return null;
    }
    tables[name] = out;
  }
  return { startedAt, tables };
}

/** Cumulative progress of one snapshot: what earlier attempts committed plus this one's chunks. */
export class SnapshotProgressLedger {
  private readonly tables = new Map<string, DoneRange[]>();

  constructor(private readonly startedAt: string, resumed: SnapshotProgressRecord | null) {
    for (const [name, ranges] of Object.entries(resumed?.tables ?? {})) this.tables.set(name, [...ranges]);
  }

  /** Adds a chunk and returns the progress to commit with it. */
  add(table: string, range: DoneRange): SnapshotProgressRecord {
    const list = this.tables.get(table) ?? [];
    list.push(range);
    this.tables.set(table, list);
    return { startedAt: this.startedAt, tables: Object.fromEntries([...this.tables].map(([k, v]) => [k, [...v]])) };
  }
}

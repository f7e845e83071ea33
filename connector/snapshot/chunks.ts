/**
 * Chunk planning and chunk SQL (pure). A table with a primary key is cut into key ranges
 * (lower, upper] from boundary keys sampled every `chunkRows` rows in key order; a table without
 * one into ctid page ranges [from, to) read with a TID range scan (PostgreSQL 14+). The first
 * and last range of a table are open, so rows outside the sampled/measured span are never lost.
 *
 * Key values travel as PostgreSQL text forms (the readers' type parser returns raw text) and
 * are cast back to the column type in SQL: `$1::"pg_catalog"."int8"`. The readers' session
 * settings (SESSION_OPTIONS) make every text form round-trip (extra_float_digits=3, UTC, ISO).
 *
 * A chunk is read with `COPY (SELECT ...) TO STDOUT`, and COPY takes no bind parameters. So a
 * chunk's bound values are bound first, as bind parameters, to transaction-local settings
 * (`set_config('walcast.snapshot_p1', $1, true)`, SnapshotReader.stream), and the SELECT reads
 * them back: `pg_catalog.current_setting('walcast.snapshot_p1')::"pg_catalog"."int8"`. The cast
 * is the same text input conversion as `$1::int8`; current_setting is STABLE, so the planner
 * evaluates it once, estimates with its value, and still uses the key index for a key range
 * and a TID range scan for a page range. No value ever becomes SQL text.
 */
import { qualifiedName, quoteIdent } from '../source/sql';
import type { DoneRange } from './resume';
import type { SnapshotTable } from './types';

export type Chunk =
  | { readonly kind: 'keys'; readonly table: number; readonly lower: readonly string[] | null; readonly upper: readonly string[] | null }
  | { readonly kind: 'pages'; readonly table: number; readonly fromPage: number; readonly toPage: number | null }
  | { readonly kind: 'all'; readonly table: number };

export interface Sql {
  readonly text: string;
  readonly values: readonly string[];
}

/**
 * A chunk's SELECT, for COPY: `text` reads value i (0-based) as the transaction-local setting
 * `chunkSetting(i)`, which the reader sets to `settings[i]` just before the COPY.
 */
export interface ChunkSql {
  readonly text: string;
  readonly settings: readonly string[];
  /** Fields of every row (the reader checks each row it parses against it). */
  readonly columns: number;
}

/** The name of the transaction-local setting that carries a chunk's i-th (0-based) bound value. */
export const chunkSetting = (i: number): string => `walcast.snapshot_p${i + 1}`;

/** Rows per heap page assumed when the table was never analyzed. */
export const DEFAULT_ROWS_PER_PAGE = 50;

/** n boundary keys -> n+1 ranges: (-inf, b0], (b0, b1], ..., (b[n-1], +inf). */
export function keyChunks(table: number, boundaries: ReadonlyArray<readonly string[]>): Chunk[] {
  const out: Chunk[] = [];
  let lower: readonly string[] | null = null;
  for (const b of boundaries) {
    out.push({ kind: 'keys', table, lower, upper: b });
    lower = b;
  }
  out.push({ kind: 'keys', table, lower, upper: null });
  return out;
}

/** Page ranges of about `chunkRows` rows; the last one is open-ended (the table may have grown). */
export function pageChunks(table: number, pages: number, rowsPerPage: number, chunkRows: number): Chunk[] {
  const perChunk = Math.max(1, Math.floor(chunkRows / Math.max(rowsPerPage, 1e-9)));
  const out: Chunk[] = [];
  let from = 0;
  while (from + perChunk < pages) {
    out.push({ kind: 'pages', table, fromPage: from, toPage: from + perChunk });
    from += perChunk;
  }
  out.push({ kind: 'pages', table, fromPage: from, toPage: null });
  return out;
}

/** Rows per page from the planner statistics, or a default when the table was never analyzed. */
export function rowsPerPage(t: Pick<SnapshotTable, 'estimatedRows' | 'relPages'>): number {
  return t.estimatedRows > 0 && t.relPages > 0 ? t.estimatedRows / t.relPages : DEFAULT_ROWS_PER_PAGE;
}

/** Every `chunkRows`-th primary key in key order, as text (one row per boundary). */
export function boundarySql(t: SnapshotTable, chunkRows: number): Sql {
  const keys = t.primaryKey.map((k) => quoteIdent(k.name));
  const aliased = keys.map((k, i) => `${k} AS k${i}`).join(', ');
  const outer = keys.map((_, i) => `s.k${i}`).join(', ');
  return {
    text:
      `SELECT ${outer} FROM (SELECT ${aliased}, row_number() OVER (ORDER BY ${keys.join(', ')}) AS rn ` +
      `FROM ${qualifiedName(t.relation.schema, t.relation.table)}) s WHERE s.rn % $1 = 0 ORDER BY s.rn`,
    values: [String(chunkRows)],
  };
}

/**
 * The tests that put the row value `row` in the key range (lower, upper], each bound written by
 * `bound` (lower first). One definition for the chunk SELECTs, their exclusions and the
 * stream's key-range lookup (key-range-check.ts), so all agree on which range holds a key.
 */
export function keyRangeTests(row: string, lower: readonly string[] | null, upper: readonly string[] | null, bound: (vals: readonly string[]) => string): string[] {
  const out: string[] = [];
  if (lower) out.push(`${row} > ${bound(lower)}`);
  if (upper) out.push(`${row} <= ${bound(upper)}`);
  return out;
}

/** The ctid tests of the page range [fromPage, toPage). */
function pageRangeTests(fromPage: number, toPage: number | null, param: (v: string, type: string) => string): string[] {
  const out: string[] = [];
  if (fromPage > 0) out.push(`ctid >= ${param(`(${fromPage},0)`, '"pg_catalog"."tid"')}`);
  if (toPage !== null) out.push(`ctid < ${param(`(${toPage},0)`, '"pg_catalog"."tid"')}`);
  return out;
}

/**
 * The SELECT of one chunk (see ChunkSql for its bound values). Keyless tables read `ctid::text` first (the record id); columns
 * follow in Relation order, so a row maps to a Tuple like pgoutput's.
 */
export function chunkSql(t: SnapshotTable, chunk: Chunk, exclude: readonly DoneRange[] = []): ChunkSql {
  const columns = t.relation.columns.map((c) => quoteIdent(c.name));
  const keyless = t.primaryKey.length === 0;
  const select = (keyless ? ['ctid::text', ...columns] : columns).join(', ');
  const from = qualifiedName(t.relation.schema, t.relation.table);
  const where: string[] = [];
  const settings: string[] = [];
  // The setting name is ours (walcast.snapshot_p<n>): a constant, never a value.
  const param = (v: string, type: string): string => {
    const name = chunkSetting(settings.length);
    settings.push(v);
    return `pg_catalog.current_setting('${name}')::${type}`;
  };
  let order = '';
  if (chunk.kind === 'keys') {
    const keys = t.primaryKey.map((k) => quoteIdent(k.name));
    const row = `(${keys.join(', ')})`;
    const bound = (vals: readonly string[]): string => {
      if (vals.length !== keys.length) throw new RangeError(`boundary has ${vals.length} values, key has ${keys.length}`);
      return `(${vals.map((v, i) => param(v, t.primaryKey[i]!.typeSql)).join(', ')})`;
    };
    where.push(...keyRangeTests(row, chunk.lower, chunk.upper, bound));
    order = ` ORDER BY ${keys.join(', ')}`;
  } else if (chunk.kind === 'pages') {
    where.push(...pageRangeTests(chunk.fromPage, chunk.toPage, param));
  }
  // Ranges an interrupted run of this snapshot already committed (exactly-once resume).
  for (const done of exclude) {
    const inside: string[] = [];
    if (done.kind === 'all') { where.push('false'); continue; }
    if (done.kind === 'keys') {
      const n = t.primaryKey.length;
      // Recorded under another key (the table's key changed since): cannot apply.
      if (n === 0 || (done.lower && done.lower.length !== n) || (done.upper && done.upper.length !== n)) continue;
      const row = `(${t.primaryKey.map((k) => quoteIdent(k.name)).join(', ')})`;
      const bound = (vals: readonly string[]): string => `(${vals.map((v, i) => param(v, t.primaryKey[i]!.typeSql)).join(', ')})`;
      inside.push(...keyRangeTests(row, done.lower, done.upper, bound));
    } else {
      inside.push(...pageRangeTests(done.fromPage, done.toPage, param));
    }
    where.push(inside.length === 0 ? 'false' : `NOT (${inside.join(' AND ')})`);
  }
  const text = `SELECT ${select} FROM ${from}` + (where.length ? ` WHERE ${where.join(' AND ')}` : '') + order;
  return { text, settings, columns: (keyless ? 1 : 0) + columns.length };
}

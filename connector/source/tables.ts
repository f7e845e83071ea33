/**
 * Which tables a connector captures: `schema.table` patterns matched against the catalog.
 *
 * Pattern grammar (decided here, documented in the config schema):
 * - exactly one unquoted `.` separates the schema part from the table part;
 * - an unquoted part matches case-sensitively, `*` standing for any run of characters
 *   (possibly empty); it may not contain `"` or `.`; spaces are kept as written, so
 *   `public.Order Items` names the table `Order Items`;
 * - a part wrapped in double quotes is literal (no wildcard), `""` inside is one `"`:
 *   `public."a.b"`, `"My Schema"."*"` (a table literally named `*`).
 * Case-sensitive because catalog names are stored as created: unquoted SQL `Orders` is the
 * table `orders`, quoted `"Orders"` is `Orders`; a pattern names the stored form.
 * A pattern that starts with `(?i)` (Java's inline flag) matches every part case-insensitively:
 * Debezium's table and column lists are case-insensitive regexes, and their translations
 * (config/debezium-regex.ts) carry it, so `public.customers.SSN` still excludes `ssn`.
 */
import { ConnectorError, fromPgError } from '../errors';
import { quoteIdent } from './sql';

export interface TableName {
  readonly schema: string;
  readonly table: string;
}

/** A table as listed from pg_class. */
export interface CatalogTable extends TableName {
  /** relkind 'p': a partitioned table (holds no rows itself). */
  readonly partitioned: boolean;
  /** relispartition: a partition of some partitioned table. */
  readonly isPartition: boolean;
}

export interface TablePattern {
  readonly source: string;
  matches(t: TableName): boolean;
}

/** Minimal query surface of pg.Client / pg.Pool / pg.PoolClient. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** Parses one pattern; throws RangeError with a human-readable reason. */
export function parseTablePattern(pattern: string): TablePattern {
  const { ci, body } = caseFlag(pattern);
  const parts = splitParts(body);
  if (parts.length !== 2) {
    throw new RangeError(`table pattern ${JSON.stringify(pattern)} must be schema.table (quote a part containing a dot: "a.b")`);
  }
  const [schemaPart, tablePart] = parts as [Part, Part];
  for (const [what, part] of [['schema', schemaPart], ['table', tablePart]] as const) {
    if (part.text === '' && !part.quoted) throw new RangeError(`table pattern ${JSON.stringify(pattern)} has an empty ${what} part`);
  }
  const s = partMatcher(schemaPart, ci);
  const t = partMatcher(tablePart, ci);
  return { source: pattern, matches: (x) => s(x.schema) && t(x.table) };
}

/**
 * A column pattern `schema.table.column`, each part as in a table pattern (`*` within a part,
 * `"..."` literal). Throws RangeError with a human-readable reason.
 */
export function parseColumnPattern(pattern: string): { readonly source: string; matches(schema: string, table: string, column: string): boolean } {
  const { ci, body } = caseFlag(pattern);
  const parts = splitParts(body);
  if (parts.length !== 3) throw new RangeError(`column pattern ${JSON.stringify(pattern)} must be schema.table.column (quote a part containing a dot: "a.b")`);
  if (parts.some((p) => p.text === '' && !p.quoted)) throw new RangeError(`column pattern ${JSON.stringify(pattern)} has an empty part`);
  const [s, t, c] = parts.map((p) => partMatcher(p, ci)) as [(x: string) => boolean, (x: string) => boolean, (x: string) => boolean];
  return { source: pattern, matches: (schema, table, column) => s(schema) && t(table) && c(column) };
}

/**
 * Tables of `all` matched by some `include` pattern and by no `exclude` pattern, in the order
 * of `all`, without duplicates. Throws RangeError on a malformed pattern.
 */
export function matchTables<T extends TableName>(all: readonly T[], include: readonly string[], exclude: readonly string[]): T[] {
  const inc = include.map(parseTablePattern);
  const exc = exclude.map(parseTablePattern);
  const seen = new Set<string>();
  const out: T[] = [];
  for (const t of all) {
    const id = `${t.schema}\u0000${t.table}`; // NUL cannot occur in a name
    if (seen.has(id)) continue;
    if (inc.some((p) => p.matches(t)) && !exc.some((p) => p.matches(t))) {
      seen.add(id);
      out.push(t);
    }
  }
  return out;
}

/** The patterns of `patterns` that match no table of `all`. */
export function unmatchedPatterns(all: readonly TableName[], patterns: readonly string[]): string[] {
  return patterns.filter((p) => {
    const pat = parseTablePattern(p);
    return !all.some((t) => pat.matches(t));
  });
}

/** `schema.table`, quoting a part only when it would not read back as the same pattern. */
export function displayName(t: TableName): string {
  const part = (s: string) => (/^[^".*]+$/.test(s) ? s : quoteIdent(s));
  return `${part(t.schema)}.${part(t.table)}`;
}

/**
 * Ordinary ('r') and partitioned ('p') permanent tables outside system schemas, ordered by
 * schema then table. Unlogged and temporary tables are left out: logical decoding never sees
 * their changes, and CREATE PUBLICATION refuses them.
 */
export async function listTables(client: Queryable): Promise<CatalogTable[]> {
  const sql = `
    SELECT n.nspname AS schema, c.relname AS "table", c.relkind = 'p' AS partitioned, c.relispartition AS is_partition
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p')
       AND c.relpersistence = 'p'
       AND n.nspname <> 'information_schema'
       AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY n.nspname, c.relname`;
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (await client.query(sql)).rows;
  } catch (e) {
    throw fromPgError(e, 'PG_QUERY', 'listing tables failed');
  }
  return rows.map((r) => {
    if (typeof r.schema !== 'string' || typeof r.table !== 'string') {
      throw new ConnectorError('PG_QUERY', 'unexpected row listing tables');
    }
    return { schema: r.schema, table: r.table, partitioned: r.partitioned === true, isPartition: r.is_partition === true };
  });
}

/**
 * What partitioning holds under the given tables: their partitions at every level (pg_inherits,
 * followed down), whose changes reach a publication under the partition's own name, and which
 * tables of that tree are partitioned (a partition created later joins one of those).
 */
export async function listPartitionTrees(client: Queryable, roots: readonly TableName[]): Promise<{ partitions: TableName[]; partitioned: TableName[] }> {
  if (roots.length === 0) return { partitions: [], partitioned: [] };
  const sql = `
    WITH RECURSIVE tree(oid) AS (
      SELECT c.oid
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN unnest($1::text[], $2::text[]) AS r(schema, "table") ON r.schema = n.nspname AND r."table" = c.relname
      UNION
      SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.oid)
    SELECT n.nspname AS schema, c.relname AS "table", c.relispartition AS is_partition, c.relkind = 'p' AS partitioned
      FROM tree t
      JOIN pg_catalog.pg_class c ON c.oid = t.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relispartition OR c.relkind = 'p'`;
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (await client.query(sql, [roots.map((t) => t.schema), roots.map((t) => t.table)])).rows;
  } catch (e) {
    throw fromPgError(e, 'PG_QUERY', 'listing partitions failed');
  }
  const partitions: TableName[] = [];
  const partitioned: TableName[] = [];
  for (const r of rows) {
    if (typeof r.schema !== 'string' || typeof r.table !== 'string') throw new ConnectorError('PG_QUERY', 'unexpected row listing partitions');
    const t = { schema: r.schema, table: r.table };
    if (r.is_partition === true) partitions.push(t);
    if (r.partitioned === true) partitioned.push(t);
  }
  return { partitions, partitioned };
}

interface Part {
  readonly text: string;
  readonly quoted: boolean;
}

/** Splits on unquoted dots; a part is entirely quoted or entirely unquoted. */
function splitParts(pattern: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  for (;;) {
    if (pattern[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= pattern.length) throw new RangeError(`table pattern ${JSON.stringify(pattern)} has an unterminated quote`);
        if (pattern[i] === '"') {
          if (pattern[i + 1] === '"') { text += '"'; i += 2; continue; }
          i++;
          break;
        }
        text += pattern[i++];
      }
      if (i < pattern.length && pattern[i] !== '.') {
        throw new RangeError(`table pattern ${JSON.stringify(pattern)}: a quoted part must be followed by . or the end`);
      }
      parts.push({ text, quoted: true });
    } else {
      const end = pattern.indexOf('.', i);
      const text = pattern.slice(i, end < 0 ? pattern.length : end);
      if (text.includes('"')) throw new RangeError(`table pattern ${JSON.stringify(pattern)}: quote a whole part, not part of one`);
      parts.push({ text, quoted: false });
      i += text.length;
    }
    if (i >= pattern.length) return parts;
    i++; // the dot
    if (i >= pattern.length) {
      parts.push({ text: '', quoted: false });
      return parts;
    }
  }
}

/** Java's inline case-insensitivity flag at the start of a pattern. */
const CASE_INSENSITIVE = '(?i)';

function caseFlag(pattern: string): { ci: boolean; body: string } {
  return pattern.startsWith(CASE_INSENSITIVE) ? { ci: true, body: pattern.slice(CASE_INSENSITIVE.length) } : { ci: false, body: pattern };
}

function partMatcher(part: Part, ci: boolean): (s: string) => boolean {
  if (part.quoted || !part.text.includes('*')) {
    if (!ci) return (s) => s === part.text;
    const lower = part.text.toLowerCase();
    return (s) => s.toLowerCase() === lower;
  }
  const re = new RegExp('^' + part.text.split('*').map(escapeRegExp).join('.*') + '$', ci ? 'si' : 's');
  return (s) => re.test(s);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

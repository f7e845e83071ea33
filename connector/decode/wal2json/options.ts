/**
 * START_REPLICATION options for wal2json format version 2.
 *
 * Option names contain dashes, so they are double-quoted identifiers in the replication command;
 * values are SQL string literals (embedded `'` doubled): `"format-version" '2', ...`.
 *
 * `add-tables` is wal2json's own list syntax, not SQL identifiers: entries are separated by `,`
 * (whitespace around them is skipped), each entry is `schema.table`, `*` alone means "all" for
 * either part, and a backslash makes the next character literal and is then removed. So a
 * name containing `,` `.` `*` `\` or whitespace gets a backslash before each such character:
 * `"Order Items"` -> `Order\ Items`. `add-msg-prefixes` splits the same way but does NOT remove
 * the backslash, so prefixes containing those characters cannot be sent; the decoder filters
 * message prefixes itself in any case.
 */
export interface Wal2jsonDecoderOptions {
  /** Tables to stream; null = every table (no `add-tables`). */
  readonly tables: readonly { readonly schema: string; readonly table: string }[] | null;
  /** Emit logical decoding messages (pg_logical_emit_message). */
  readonly messages: boolean;
  /** Only messages with one of these prefixes (all when absent). */
  readonly messagePrefixes?: readonly string[];
  /**
   * wal2json >= 2.6 only (2.5 rejects unknown options): print numbers as JSON strings, which
   * keeps float/numeric NaN and +-Infinity. Without it wal2json prints those as `null`.
   */
  readonly numericDataTypesAsString?: boolean;
}

const BASE_OPTIONS: readonly (readonly [string, string])[] = [
  ['format-version', '2'],
  ['include-transaction', '1'], // B and C objects
  ['include-xids', '1'],
  ['include-timestamp', '1'], // commit time, in the walsender's TimeZone
  ['include-lsn', '1'], // B/C: "lsn" = commit record LSN, "nextlsn" = end of commit record; rows: change LSN
  ['include-schemas', '1'],
  ['include-types', '1'], // "type" = format_type_with_typemod, e.g. "numeric(12,3)": source of Column.typeMod
  ['include-typmod', '1'],
  ['include-type-oids', '1'],
  ['include-pk', '1'], // "pk": primary key columns (name/type/typeoid, no values)
];

/** Characters wal2json's add-tables parser treats specially (separators, wildcard, escape, isspace). */
const ADD_TABLES_SPECIAL = /[,.*\\ \t\n\v\f\r]/g;
const PREFIX_UNSENDABLE = /[,\\ \t\n\v\f\r]/;

export function escapeAddTablesName(name: string): string {
  return name.replace(ADD_TABLES_SPECIAL, (c) => '\\' + c);
}

export function formatAddTables(tables: readonly { readonly schema: string; readonly table: string }[]): string {
  return tables.map((t) => `${escapeAddTablesName(t.schema)}.${escapeAddTablesName(t.table)}`).join(',');
}

function literal(value: string): string {
  return "'" + value.split("'").join("''") + "'";
}

export function wal2jsonOptionPairs(o: Wal2jsonDecoderOptions): [string, string][] {
  const pairs: [string, string][] = BASE_OPTIONS.map(([k, v]) => [k, v]);
  if (o.numericDataTypesAsString === true) pairs.push(['numeric-data-types-as-string', '1']);
  // An empty add-tables would mean "no filter" to wal2json; an empty table list is enforced by
  // the decoder instead (every row is dropped), so only non-empty lists are sent.
  if (o.tables !== null && o.tables.length > 0) pairs.push(['add-tables', formatAddTables(o.tables)]);
  if (o.messages && o.messagePrefixes !== undefined && o.messagePrefixes.length > 0
    && o.messagePrefixes.every((p) => p.length > 0 && !PREFIX_UNSENDABLE.test(p))) {
    pairs.push(['add-msg-prefixes', o.messagePrefixes.join(',')]);
  }
  return pairs;
}

export function formatWal2jsonStartOptions(o: Wal2jsonDecoderOptions): string {
  return wal2jsonOptionPairs(o).map(([k, v]) => `"${k}" ${literal(v)}`).join(', ');
}

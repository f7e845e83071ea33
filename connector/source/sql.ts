/** Identifier and literal quoting for the few places where bind parameters are impossible
 * (replication commands and DDL). Everything else uses bind parameters. */

/** `Order "Items"` -> `"Order ""Items"""`. */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new RangeError('identifier contains a NUL byte');
  return '"' + name.replace(/"/g, '""') + '"';
}

/** `it's` -> `'it''s'` (standard_conforming_strings is on in every supported server). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new RangeError('literal contains a NUL byte');
  return "'" + value.replace(/'/g, "''") + "'";
}

export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

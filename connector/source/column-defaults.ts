/**
 * Column defaults that are plain literals (`'d'::text`, `42`, `1.5`, `true`), read once per
 * connection attempt for the Kafka Connect schemas (envelope.schemas): Debezium puts a column's
 * default value in its field schema. Defaults that are expressions (nextval(...), now(), casts of
 * expressions) are left out here.
 */

interface Queryable {
  query<R extends Record<string, unknown>>(text: string): Promise<{ rows: R[] }>;
}

/** Per table (`schema \0 table`), per column: the default's PostgreSQL text form. */
export type ColumnDefaults = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** `'...'::type` (quotes doubled inside), a number, or a boolean; null for any other expression. */
export function literalDefault(expr: string): string | null {
  const quoted = /^'((?:[^']|'')*)'::[a-z][a-z0-9_ ]*(?:\([0-9, ]+\))?(?:\[\])?$/i.exec(expr);
  if (quoted !== null) return quoted[1]!.replace(/''/g, "'");
  if (/^\(?-?\d+(?:\.\d+)?\)?$/.test(expr)) return expr.replace(/[()]/g, '');
  if (expr === 'true' || expr === 'false') return expr === 'true' ? 't' : 'f';
  return null;
}

export async function loadColumnDefaults(client: Queryable): Promise<ColumnDefaults> {
  const { rows } = await client.query<{ nspname: string; relname: string; attname: string; expr: string }>(
    `SELECT n.nspname, c.relname, a.attname, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS expr
       FROM pg_catalog.pg_attrdef d
       JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
       JOIN pg_catalog.pg_class c ON c.oid = d.adrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND c.relkind IN ('r', 'p')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  const out = new Map<string, Map<string, string>>();
  for (const r of rows) {
    const literal = literalDefault(r.expr);
    if (literal === null) continue;
    const id = `${r.nspname}\0${r.relname}`;
    let table = out.get(id);
    if (table === undefined) out.set(id, (table = new Map()));
    table.set(r.attname, literal);
  }
  return out;
}

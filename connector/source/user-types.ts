/**
 * Types created in the database (pg_type OIDs from 16384 on: enums, domains, composites,
 * extension types such as hstore, citext, ltree, and their arrays), read once per connection
 * attempt so the envelope maps their values as Debezium's TypeRegistry does. A type created
 * while walcast streams is known from the next attempt on; until then its values keep their
 * text form.
 */
import type { UserType, UserTypes } from '../model/user-types';

interface Queryable {
  query<R extends Record<string, unknown>>(text: string): Promise<{ rows: R[] }>;
}

/** FirstNormalObjectId: OIDs below are assigned by initdb. */
const FIRST_NORMAL_OID = 16384;

export async function loadUserTypes(client: Queryable): Promise<UserTypes> {
  const { rows } = await client.query<{
    oid: string; typname: string; typtype: string; typbasetype: string; typtypmod: number; typelem: string; labels: string[] | null;
  }>(
    `SELECT t.oid::text AS oid, t.typname, t.typtype, t.typbasetype::text AS typbasetype, t.typtypmod, t.typelem::text AS typelem,
            (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) AS labels
       FROM pg_catalog.pg_type t
      WHERE t.oid >= ${FIRST_NORMAL_OID}`,
  );
  const types = new Map<number, UserType>();
  for (const r of rows) {
    types.set(Number(r.oid), {
      oid: Number(r.oid), name: r.typname, kind: r.typtype,
      baseOid: Number(r.typbasetype), baseTypeMod: r.typtypmod, elementOid: Number(r.typelem),
      ...(r.labels === null ? {} : { labels: r.labels }),
    });
  }
  return types;
}

/** NOT NULL column names of every user table, keyed `schema \0 table` (Debezium's fallback values). */
export async function loadNotNullColumns(client: Queryable): Promise<ReadonlyMap<string, ReadonlySet<string>>> {
  const { rows } = await client.query<{ nspname: string; relname: string; attname: string }>(
    `SELECT n.nspname, c.relname, a.attname
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull AND c.relkind IN ('r', 'p')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'`,
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    const id = `${r.nspname}\0${r.relname}`;
    let set = out.get(id);
    if (set === undefined) out.set(id, (set = new Set()));
    set.add(r.attname);
  }
  return out;
}

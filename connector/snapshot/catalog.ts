/**
 * Reads each table's definition inside the snapshot, shaped like the Relation the pgoutput
 * decoder builds: columns of pg_attribute (attnum > 0, not dropped) in attnum order, typmod,
 * replica identity, pg_class oid. Stored generated columns are left out, as pgoutput (PG 12-17)
 * does not send them. isKey marks the primary key, which is the message key Debezium uses.
 */
import type { Column, Relation, ReplicaIdentity } from '../model/change';
import { ConnectorError } from '../errors';
import { qualifiedName } from '../source/sql';
import type { Queryable } from '../source/tables';
import type { KeyColumn, SnapshotTable } from './types';

const IDENTITY: Readonly<Record<string, ReplicaIdentity>> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

const TABLE_SQL = `
  SELECT c.oid, c.relreplident, c.reltuples, c.relpages, c.relkind,
         pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::int8 AS pages
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`;

const COLUMNS_SQL = `
  SELECT a.attname, a.atttypid, a.atttypmod
    FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
   ORDER BY a.attnum`;

/** Primary-key columns in index order with their type's schema and name (for casts) and collation. */
const PRIMARY_KEY_SQL = `
  SELECT a.attname, tn.nspname AS typschema, t.typname, cn.nspname AS collschema, co.collname
    FROM pg_catalog.pg_index i
   CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
    LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
   WHERE i.indrelid = $1 AND i.indisprimary
   ORDER BY k.ord`;

type Row = Record<string, string | null>;

function text(row: Row, field: string): string {
  const v = row[field];
  if (typeof v !== 'string') throw new ConnectorError('SNAPSHOT', `unexpected catalog row: ${field} missing`);
  return v;
}

export async function loadTable(client: Queryable, index: number, schema: string, table: string): Promise<SnapshotTable> {
  const [cls] = (await client.query<Row>(TABLE_SQL, [schema, table])).rows;
  if (!cls) {
    throw new ConnectorError('SNAPSHOT', `table ${qualifiedName(schema, table)} does not exist in the snapshot`, {
      retriable: false, context: { relation: `${schema}.${table}` },
    });
  }
  const oid = text(cls, 'oid');
  const keyRows = (await client.query<Row>(PRIMARY_KEY_SQL, [oid])).rows;
  const primaryKey: KeyColumn[] = keyRows.map((r) => ({
    name: text(r, 'attname'),
    typeSql: qualifiedName(text(r, 'typschema'), text(r, 'typname')),
    collationSql: r.collname ? qualifiedName(text(r, 'collschema'), r.collname) : null,
  }));
  const keyNames = new Set(primaryKey.map((k) => k.name));
  const columns: Column[] = (await client.query<Row>(COLUMNS_SQL, [oid])).rows.map((r) => ({
    name: text(r, 'attname'),
    typeOid: Number(text(r, 'atttypid')),
    typeMod: Number(text(r, 'atttypmod')),
    isKey: keyNames.has(text(r, 'attname')),
  }));
  const relation: Relation = Object.freeze({
    oid: Number(oid),
    schema,
    table,
    replicaIdentity: IDENTITY[text(cls, 'relreplident')] ?? 'default',
    columns: Object.freeze(columns),
  });
  return {
    index,
    relation,
    primaryKey,
    estimatedRows: Number(text(cls, 'reltuples')),
    relPages: Number(text(cls, 'relpages')),
    pages: Number(text(cls, 'pages')),
    partitioned: text(cls, 'relkind') === 'p',
  };
}

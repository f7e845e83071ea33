/**
 * Read-only inspection of the server before anything is created: which tables the config
 * selects, whether their topics collide, what the publication needs, and the slot's state.
 * Every problem is collected and reported at once; nothing is created when there is one.
 */
import type { ClientBase } from 'pg';
import { ConnectorError } from '../errors';
import type { Logger } from '../observe/logger';
import type { WalcastConfig } from '../../config/types';
import { inspectServer as readInspection, startProblems } from '../source/inspect';
import type { PublicationPlan, TableRef } from '../source/publication';
import { tableKey } from '../source/publication';
import type { SlotInfo } from '../source/slot';
import { PrimaryKeys, relationKey } from '../decode/key-columns';

export interface Inspection {
  readonly database: string;
  readonly tables: readonly TableRef[];
  /** Every table of the database at inspection (selected or not). */
  readonly all: readonly TableRef[];
  readonly slot: SlotInfo | null;
  readonly publicationPlan: PublicationPlan | null;
  /** `schema.table` -> primary key column names, in key order. */
  readonly primaryKeys: PrimaryKeys;
  /** server_version_num, e.g. 150004. */
  readonly serverVersion: number;
}

/** The shared inspection (source/inspect.ts) and its verdict; throws CONFIG_INVALID listing every problem. */
export async function inspectServer(client: ClientBase, config: WalcastConfig, logger: Logger, tail = false): Promise<Inspection> {
  const inspection = await readInspection(client, config.source);
  const { problems, publicationPlan } = startProblems(inspection, config);
  if (problems.length > 0) {
    throw new ConnectorError('CONFIG_INVALID', `cannot start:\n  - ${problems.join('\n  - ')}`, { context: { problems: problems.length } });
  }
  const { server, tables, slot } = inspection;
  await warnReplicaIdentity(client, config, publishedByWalcast(config, inspection.all, tables, tail), logger);
  return { database: server.database, tables, all: inspection.all, slot, publicationPlan, primaryKeys: await loadPrimaryKeys(client), serverVersion: server.version };
}

async function loadPrimaryKeys(client: ClientBase): Promise<PrimaryKeys> {
  const { rows } = await client.query<{ schema: string; table: string; columns: string[] }>(
    `SELECT n.nspname AS schema, c.relname AS table,
            array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) AS columns
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey::int2[])
      WHERE i.indisprimary AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      GROUP BY 1, 2`,
  );
  return new Map(rows.map((r) => [relationKey(r.schema, r.table), r.columns]));
}

/**
 * The tables this connector puts in a publication: the configured ones (filtered), every table
 * (all_tables, FOR ALL TABLES), none when it uses someone else's publication (disabled), reads
 * through wal2json (no publication) or only tails.
 */
function publishedByWalcast(config: WalcastConfig, all: readonly TableRef[], configured: readonly TableRef[], tail: boolean): readonly TableRef[] {
  if (tail || config.source.plugin !== 'pgoutput') return [];
  switch (config.source.publicationMode) {
    case 'filtered': return configured;
    case 'all_tables': return all;
    case 'disabled': return [];
  }
}

/**
 * A published table without a replica identity makes the *application's* UPDATE/DELETE fail
 * ("cannot update table ... because it does not have a replica identity"). walcast does not
 * alter user tables; it says so loudly — once per connector and table in this process, not on
 * every restart of a retrying pipeline (inspectServer runs at each attempt).
 */
const warnedReplicaIdentity = new Set<string>();

async function warnReplicaIdentity(client: ClientBase, config: WalcastConfig, tables: readonly TableRef[], logger: Logger): Promise<void> {
  if (tables.length === 0) return;
  const { rows } = await client.query<{ schema: string; table: string; ident: string; has_key: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS table, c.relreplident AS ident,
            EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND (i.indisprimary OR i.indisreplident)) AS has_key
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  for (const r of rows) {
    if (r.ident === 'n' || (r.ident === 'd' && !r.has_key)) {
      const key = `${config.name}\u0000${r.schema}\u0000${r.table}`;
      if (warnedReplicaIdentity.has(key)) continue;
      warnedReplicaIdentity.add(key);
      logger.warn({ table: tableKey({ schema: r.schema, table: r.table }) },
        'table has no replica identity: UPDATE and DELETE on it will fail while it is published; add a primary key or set REPLICA IDENTITY FULL');
    }
  }
}

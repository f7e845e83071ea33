/**
 * Publication management per `source.publicationMode`:
 * - filtered:   the publication holds exactly the configured tables; created when missing,
 *               its table list replaced (ALTER PUBLICATION ... SET TABLE) when it differs.
 * - all_tables: FOR ALL TABLES; created when missing (needs superuser).
 * - disabled:   must already exist; walcast never changes it.
 * Every identifier is quoted; the publication is only touched after all checks passed.
 */
import type { ClientBase } from 'pg';
import { ConnectorError, fromPgError } from '../errors';
import type { Logger } from '../observe/logger';
import type { PublicationMode } from './options';
import { qualifiedName, quoteIdent } from './sql';
import type { Queryable } from './tables';

export interface TableRef {
  readonly schema: string;
  readonly table: string;
}

export interface PublicationInfo {
  readonly allTables: boolean;
  readonly tables: TableRef[];
  readonly publishes: { insert: boolean; update: boolean; delete: boolean; truncate: boolean };
}

export const tableKey = (t: TableRef): string => `${t.schema}.${t.table}`;

/** An existing publication as the catalog has it, with whether the current role owns it. */
export interface PublicationFacts extends PublicationInfo {
  readonly owned: boolean;
}

export async function getPublication(client: Queryable, name: string): Promise<PublicationFacts | null> {
  const pub = await client.query<{ puballtables: boolean; pubinsert: boolean; pubupdate: boolean; pubdelete: boolean; pubtruncate: boolean; owned: boolean }>(
    `SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate, pg_catalog.pg_has_role(pubowner, 'USAGE') AS owned
       FROM pg_catalog.pg_publication WHERE pubname = $1`,
    [name],
  );
  const p = pub.rows[0];
  if (!p) return null;
  const { rows } = await client.query<{ schemaname: string; tablename: string }>(
    'SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables WHERE pubname = $1 ORDER BY 1, 2',
    [name],
  );
  return {
    allTables: p.puballtables,
    tables: rows.map((r) => ({ schema: r.schemaname, table: r.tablename })),
    publishes: { insert: p.pubinsert, update: p.pubupdate, delete: p.pubdelete, truncate: p.pubtruncate },
    owned: p.owned,
  };
}

export interface PublicationPlan {
  readonly action: 'none' | 'create' | 'alter';
  readonly sql: string | null;
  readonly missing: TableRef[];
  readonly extra: TableRef[];
}

/** Decides what to do without touching the server; throws when the mode forbids the fix. */
export function planPublication(name: string, mode: PublicationMode, wanted: readonly TableRef[], existing: PublicationInfo | null): PublicationPlan {
  const list = wanted.map((t) => qualifiedName(t.schema, t.table)).join(', ');
  if (mode === 'disabled') {
    if (!existing) {
      throw new ConnectorError('PUBLICATION_MISMATCH', `publication "${name}" does not exist and source.publicationMode is "disabled"; create it or change the mode`, { context: { publication: name } });
    }
    return { action: 'none', sql: null, missing: [], extra: [] };
  }
  if (mode === 'all_tables') {
    if (!existing) return { action: 'create', sql: `CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`, missing: [], extra: [] };
    if (!existing.allTables) {
      throw new ConnectorError('PUBLICATION_MISMATCH', `publication "${name}" exists but is not FOR ALL TABLES (publicationMode "all_tables")`, { context: { publication: name } });
    }
    return { action: 'none', sql: null, missing: [], extra: [] };
  }
  if (wanted.length === 0) {
    throw new ConnectorError('CONFIG_INVALID', 'source.tables matches no table in the database', { context: { publication: name } });
  }
  if (!existing) return { action: 'create', sql: `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${list}`, missing: [...wanted], extra: [] };
  if (existing.allTables) {
    throw new ConnectorError('PUBLICATION_MISMATCH', `publication "${name}" is FOR ALL TABLES but publicationMode is "filtered"; drop it or use "all_tables"`, { context: { publication: name } });
  }
  const have = new Set(existing.tables.map(tableKey));
  const want = new Set(wanted.map(tableKey));
  const missing = wanted.filter((t) => !have.has(tableKey(t)));
  const extra = existing.tables.filter((t) => !want.has(tableKey(t)));
  if (missing.length === 0 && extra.length === 0) return { action: 'none', sql: null, missing, extra };
  return { action: 'alter', sql: `ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${list}`, missing, extra };
}

export async function applyPublicationPlan(client: ClientBase, name: string, plan: PublicationPlan, logger: Logger): Promise<void> {
  if (!plan.sql) return;
  try {
    await client.query(plan.sql);
  } catch (e) {
    // CREATE PUBLICATION ... FOR TABLE and ALTER ... SET TABLE need ownership of every table.
    const err = fromPgError(e, 'PG_QUERY', `cannot ${plan.action} publication "${name}"`, { publication: name });
    if (err.code !== 'PG_PRIVILEGE') throw err;
    throw new ConnectorError('PG_PRIVILEGE', `${err.message} (putting a table in a publication takes owning it: connect as its owner or a member of the `
      + 'owning role, or create the publication as such a role and set source.publicationMode to "disabled")', { cause: e, context: err.context });
  }
  logger.info(
    { publication: name, action: plan.action, added: plan.missing.map(tableKey), removed: plan.extra.map(tableKey) },
    plan.action === 'create' ? 'created publication' : 'updated publication tables to match source.tables',
  );
}

/**
 * Server preflight for `walcast validate --connect`: checks, on a normal (non-replication)
 * connection and without changing anything, that the connector could start. Every problem is
 * collected; `notes` carry what will happen at start (slot/publication creation) and what
 * could not be verified.
 *
 * Verdicts follow the pipeline's own rules (connector/pipeline/prepare.ts and
 * source/publication.ts planPublication) so that `validate --connect` predicts `run`.
 */
import { inspectServer, type ServerInspection, startProblems } from './inspect';
import type { SourceChecks } from './options';
import type { PublicationPlan } from './publication';
import { displayName, type Queryable, type TableName } from './tables';

export interface PreflightResult {
  readonly problems: string[];
  readonly notes: string[];
}

export async function preflight(client: Queryable, config: SourceChecks): Promise<PreflightResult> {
  const inspection = await inspectServer(client, config.source);
  const { server, tables, slot } = inspection;
  const src = config.source;
  // What `run` refuses to start on, first and worded the same; then what only a dry run can tell.
  const { problems, publicationPlan } = startProblems(inspection, config, { reportLostSlot: true });
  const notes: string[] = [];

  if (server.version < 100000) problems.push(`PostgreSQL ${server.version} is too old: logical replication needs 10 or later`);
  if (server.maxSlots < 1) problems.push('max_replication_slots is 0; set it to at least 1 (restart required)');
  if (server.maxSenders < 1) problems.push('max_wal_senders is 0; set it to at least 1 (restart required)');
  else if (server.usedSenders >= server.maxSenders) problems.push(`all ${server.maxSenders} WAL senders (max_wal_senders) are in use`);
  if (!server.superuser && !server.replication) {
    problems.push(`role "${server.role}" can not replicate: it needs the REPLICATION attribute (ALTER ROLE ... REPLICATION) or superuser`);
  }

  checkSlot(inspection, config, problems, notes);
  if (src.plugin === 'wal2json' && slot?.plugin !== 'wal2json') await checkWal2json(client, problems, notes);
  if (src.plugin === 'pgoutput' && src.messages && server.version < 140000) {
    notes.push('source.messages: pgoutput streams logical decoding messages only from PostgreSQL 14');
  }
  if (src.streamInProgress && src.plugin === 'pgoutput' && server.version < 140000) {
    notes.push('source.streamInProgress: in-progress transactions are streamed only from PostgreSQL 14; the server holds each transaction until COMMIT');
  }
  if (src.streamInProgress && src.plugin === 'wal2json') {
    notes.push('source.streamInProgress: not applicable to wal2json (it has no streaming of in-progress transactions)');
  }
  // A wildcard may match nothing yet (tables created later), so it only gets a note.
  for (const p of inspection.emptyWildcards) notes.push(`source.tables pattern "${p}" matches no table (yet)`);

  const access = await tableAccess(client, tables);
  const noSelect = access.filter((a) => !a.usable);
  if (noSelect.length > 0) {
    const msg = `role "${server.role}" can not SELECT ${list(noSelect)}`;
    if (config.snapshot.mode === 'never') notes.push(`${msg} (not needed while snapshot.mode is never)`);
    else problems.push(`${msg}: the snapshot reads them (GRANT USAGE ON SCHEMA and SELECT)`);
  }
  const noKey = access.filter((a) => !a.hasIdentity);
  if (noKey.length > 0) {
    notes.push(`no primary key or replica identity on ${list(noKey)}: UPDATE/DELETE on them fail while published; messages have a null key`);
  }

  if (src.plugin === 'pgoutput') {
    checkPublication(inspection, publicationPlan, config, access, problems, notes);
  } else if (src.publicationMode !== 'filtered') {
    notes.push(`source.publicationMode "${src.publicationMode}" has no effect with wal2json (tables are filtered by the connector)`);
  }
  return { problems, notes };
}

/** Notes on the slot; its problems (type, plugin, database, invalidated) come from startProblems. */
function checkSlot(i: ServerInspection, config: SourceChecks, problems: string[], notes: string[]): void {
  const name = config.source.slot;
  const slot = i.slot;
  if (!slot) {
    notes.push(`replication slot "${name}" does not exist; it will be created (plugin ${config.source.plugin})`);
    if (i.server.maxSlots > 0 && i.server.usedSlots >= i.server.maxSlots) {
      problems.push(`no free replication slot: all ${i.server.maxSlots} (max_replication_slots) are taken`);
    }
    return;
  }
  if (slot.slotType !== 'logical') return;
  // Another walcast instance owns it (or a stray client holds it): `run` waits as a hot standby.
  if (slot.active) notes.push(`replication slot "${name}" is in use (pid ${slot.activePid ?? '?'}); this instance would wait as a standby until it is free`);
  if (slot.walStatus === 'unreserved') {
    notes.push(`replication slot "${name}" has wal_status unreserved: it is about to lose WAL it needs (max_slot_wal_keep_size)`);
  }
}

/**
 * wal2json is a shared library, not an extension: pg_available_extensions does not list it
 * and nothing in the catalog does. Without creating a slot (which would wait for running
 * transactions and take a slot), the only read-only proof is the file itself: look for
 * wal2json.so in each dynamic_library_path entry with `$libdir` = pg_config's PKGLIBDIR,
 * using pg_stat_file(path, missing_ok). Both need superuser (or explicit grants); otherwise
 * the check is reported as not verifiable. An existing wal2json slot proves it too (caller).
 */
async function checkWal2json(client: Queryable, problems: string[], notes: string[]): Promise<void> {
  try {
    const { rows: [dirs] } = await client.query<{ libdir: string | null; path: string } & Record<string, unknown>>(
      `SELECT (SELECT setting FROM pg_catalog.pg_config WHERE name = 'PKGLIBDIR') AS libdir,
              current_setting('dynamic_library_path') AS path`,
    );
    const libdir = dirs?.libdir ?? '';
    const candidates = (dirs?.path ?? '$libdir').split(':').filter((d) => d !== '')
      .map((d) => d.replace('$libdir', libdir))
      .flatMap((d) => ['.so', '.dylib'].map((ext) => `${d}/wal2json${ext}`));
    const { rows } = await client.query<{ present: boolean } & Record<string, unknown>>(
      'SELECT (pg_catalog.pg_stat_file(p, true)).size IS NOT NULL AS present FROM unnest($1::text[]) AS p',
      [candidates],
    );
    if (!rows.some((r) => r.present)) {
      problems.push(`output plugin wal2json is not installed on the server (looked for ${candidates.filter((c) => c.endsWith('.so')).join(', ')}); install postgresql-<version>-wal2json`);
    }
  } catch (e) {
    const sqlState = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
    if (sqlState !== '42501') throw e;
    notes.push('cannot verify that wal2json is installed: reading the server library directory needs superuser');
  }
}

interface AccessRow extends TableName, Record<string, unknown> {
  usable: boolean; owned: boolean; hasIdentity: boolean;
}

/** SELECT (with schema USAGE), ownership (directly or by role membership) and replica identity per table. */
async function tableAccess(client: Queryable, tables: readonly TableName[]): Promise<AccessRow[]> {
  if (tables.length === 0) return [];
  const { rows } = await client.query<AccessRow>(
    `SELECT t.schema, t.tbl AS "table",
            has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT') AS usable,
            pg_has_role(c.relowner, 'USAGE') AS owned,
            c.relreplident = 'f'
              OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))
              OR (c.relreplident = 'i' AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisreplident))
              AS "hasIdentity"
       FROM unnest($1::text[], $2::text[]) AS t(schema, tbl)
       JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema
       JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.tbl
      ORDER BY 1, 2`,
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  return rows;
}

function checkPublication(
  i: ServerInspection, plan: PublicationPlan | null, config: SourceChecks, access: readonly AccessRow[], problems: string[], notes: string[],
): void {
  const { server, tables } = i;
  const name = config.source.publication;
  const mode = config.source.publicationMode;
  const existing = i.publication;
  if (existing) {
    const off = Object.entries(existing.publishes).filter(([, on]) => !on).map(([op]) => op);
    if (off.length > 0) notes.push(`publication "${name}" does not publish ${off.join(', ')}`);
  }

  // Planning problems are startProblems' (worded as `run` words them).
  if (!plan) return;
  const notOwned = (ts: readonly TableName[]) => {
    const owned = new Set(access.filter((a) => a.owned).map((a) => displayName(a)));
    return ts.filter((t) => !owned.has(displayName(t)));
  };

  if (mode === 'disabled' && existing && !existing.allTables) {
    const published = new Set(existing.tables.map(displayName));
    const unpublished = tables.filter((t) => !published.has(displayName(t)));
    if (unpublished.length > 0) problems.push(`publication "${name}" (publicationMode disabled) does not publish ${list(unpublished)}`);
  }
  if (plan.action === 'create') {
    notes.push(`publication "${name}" does not exist; it will be created (${mode === 'all_tables' ? 'FOR ALL TABLES' : `${tables.length} table(s)`})`);
    if (mode === 'all_tables' && !server.superuser) problems.push(`creating publication "${name}" FOR ALL TABLES needs superuser`);
    if (mode === 'filtered' && !server.canCreate) problems.push(`role "${server.role}" lacks CREATE on database "${server.database}" to create publication "${name}"`);
  }
  if (plan.action === 'alter') {
    const parts = [plan.missing.length ? `add ${list(plan.missing)}` : '', plan.extra.length ? `remove ${list(plan.extra)}` : ''].filter(Boolean);
    notes.push(`publication "${name}" differs from source.tables; at start it will be changed to: ${parts.join('; ')}`);
    if (!existing?.owned) problems.push(`role "${server.role}" does not own publication "${name}", so it can not change its tables`);
  }
  // CREATE PUBLICATION ... FOR TABLE and ALTER ... SET TABLE both check ownership of every
  // listed table (PublicationAddTables), not only of those being added.
  if (plan.action !== 'none' && mode === 'filtered') {
    const needOwn = notOwned(tables);
    if (needOwn.length > 0 && !server.superuser) problems.push(`role "${server.role}" must own ${list(needOwn)} to put them in publication "${name}"`);
  }
}

function list(ts: readonly TableName[]): string {
  const names = ts.map(displayName);
  return names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}

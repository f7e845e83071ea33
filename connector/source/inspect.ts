/**
 * One read-only inspection of the server, shared by `run` (pipeline/prepare.ts), `validate
 * --connect` (source/preflight.ts) and `status` (cli/status.ts): the same queries and the same
 * verdicts, so that `validate --connect` predicts what `run` checks. Nothing is created here.
 *
 * `startProblems` holds every check `run` refuses to start on; `validate` reports those and
 * adds what only a dry run can say (privileges, free slots and senders, plugin presence).
 */
import { findTopicCollisions } from '../model/topic';
import { isConnectorError } from '../errors';
import type { SourceChecks, SourceOptions } from './options';
import { getPublication, planPublication, type PublicationFacts, type PublicationPlan } from './publication';
import { getSlot, type SlotFacts, slotProblems } from './slot';
import { didYouMean } from './table-suggest';
import { type CatalogTable, listTables, matchTables, type Queryable, unmatchedPatterns } from './tables';

export interface ServerFacts {
  readonly database: string;
  readonly role: string;
  /** server_version_num, e.g. 150004. */
  readonly version: number;
  readonly walLevel: string;
  readonly maxSlots: number;
  readonly maxSenders: number;
  readonly usedSlots: number;
  readonly usedSenders: number;
  readonly superuser: boolean;
  readonly replication: boolean;
  /** CREATE on the database (needed to create a publication). */
  readonly canCreate: boolean;
}

export interface ServerInspection {
  readonly server: ServerFacts;
  /** Every capturable table in the database. */
  readonly all: readonly CatalogTable[];
  /** The tables the config selects. */
  readonly tables: readonly CatalogTable[];
  /** `source.tables` entries that match nothing, exact names and wildcards apart. */
  readonly typos: readonly string[];
  readonly emptyWildcards: readonly string[];
  readonly slot: SlotFacts | null;
  /** null with wal2json, which uses no publication, or when the publication does not exist. */
  readonly publication: PublicationFacts | null;
}

type Source = Pick<SourceOptions, 'slot' | 'publication' | 'plugin' | 'tables' | 'excludeTables'>;

export async function readServerFacts(client: Queryable): Promise<ServerFacts> {
  const { rows: [r] } = await client.query<{
    db: string; role: string; version: number; wal_level: string; max_slots: number; max_senders: number;
    used_slots: number; used_senders: number; rolsuper: boolean | null; rolreplication: boolean | null; can_create: boolean;
  }>(
    `SELECT current_database() AS db, current_user AS role,
            current_setting('server_version_num')::int AS version,
            current_setting('wal_level') AS wal_level,
            current_setting('max_replication_slots')::int AS max_slots,
            current_setting('max_wal_senders')::int AS max_senders,
            (SELECT count(*)::int FROM pg_catalog.pg_replication_slots) AS used_slots,
            (SELECT count(*)::int FROM pg_catalog.pg_stat_replication) AS used_senders,
            (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS rolsuper,
            (SELECT rolreplication FROM pg_catalog.pg_roles WHERE rolname = current_user) AS rolreplication,
            has_database_privilege(current_database(), 'CREATE') AS can_create`,
  );
  return {
    database: r.db, role: r.role, version: r.version, walLevel: r.wal_level, maxSlots: r.max_slots, maxSenders: r.max_senders,
    usedSlots: r.used_slots, usedSenders: r.used_senders, superuser: r.rolsuper === true, replication: r.rolreplication === true,
    canCreate: r.can_create,
  };
}

/** The slot and (pgoutput) publication the config names, as they are now. */
export async function inspectReplication(client: Queryable, source: Pick<Source, 'slot' | 'publication' | 'plugin'>): Promise<Pick<ServerInspection, 'slot' | 'publication'>> {
  const slot = await getSlot(client, source.slot);
  const publication = source.plugin === 'pgoutput' ? await getPublication(client, source.publication) : null;
  return { slot, publication };
}

export async function inspectServer(client: Queryable, source: Source): Promise<ServerInspection> {
  const server = await readServerFacts(client);
  const all = await listTables(client);
  const tables = matchTables(all, [...source.tables], [...source.excludeTables]);
  const unmatched = unmatchedPatterns(all, source.tables);
  return {
    server, all, tables,
    // A pattern without a wildcard names one table: when it matches nothing it is a typo or a
    // missing table, and a filtered publication cannot include it. Wildcards may match nothing.
    typos: unmatched.filter((p) => !p.includes('*')),
    emptyWildcards: unmatched.filter((p) => p.includes('*')),
    ...await inspectReplication(client, source),
  };
}

export interface StartVerdict {
  readonly problems: string[];
  /** null with wal2json, or when the publication cannot be planned (a problem says why). */
  readonly publicationPlan: PublicationPlan | null;
}

/**
 * Every problem `run` refuses to start on. An invalidated slot is left to the snapshot decision
 * (when_needed and always re-snapshot; otherwise SLOT_LOST) unless `reportLostSlot`, which
 * `validate` sets to predict that outcome.
 */
export function startProblems(i: ServerInspection, config: SourceChecks, opts: { reportLostSlot?: boolean } = {}): StartVerdict {
  const problems: string[] = [];
  const src = config.source;
  if (i.server.walLevel !== 'logical') {
    problems.push(`wal_level is "${i.server.walLevel}"; logical decoding needs wal_level = logical (postgresql.conf, then restart)`);
  }
  for (const p of i.typos) problems.push(`source.tables entry "${p}" matches no table in database "${i.server.database}"${didYouMean(p, i.all)}`);
  // "Nothing selected" only when the entries' own problems do not already explain it.
  if (i.tables.length === 0 && src.publicationMode !== 'all_tables' && i.typos.length === 0) {
    problems.push(`source.tables ${JSON.stringify(src.tables)} (minus excludeTables) matches no table in database "${i.server.database}"`);
  }
  for (const c of findTopicCollisions(i.tables, config.topicPrefix)) problems.push(c);

  let publicationPlan: PublicationPlan | null = null;
  // A filtered publication of no tables is already reported above (planPublication would say it again).
  if (src.plugin === 'pgoutput' && (i.tables.length > 0 || src.publicationMode !== 'filtered')) {
    try {
      publicationPlan = planPublication(src.publication, src.publicationMode, i.tables, i.publication);
    } catch (e) {
      if (!isConnectorError(e)) throw e;
      problems.push(e.message);
    }
  }
  if (i.slot) {
    const allowLost = !opts.reportLostSlot || config.snapshot.mode === 'when_needed' || config.snapshot.mode === 'always';
    problems.push(...slotProblems(i.slot, { plugin: src.plugin, database: i.server.database }, { allowLost }));
  }
  return { problems, publicationPlan };
}

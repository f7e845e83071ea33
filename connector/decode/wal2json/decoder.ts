/**
 * wal2json (format-version 2) Decoder: one JSON object per XLogData payload -> ChangeEvents.
 *
 * Transaction LSNs (checked against pgoutput on the same WAL, test/fixtures/wal2json):
 *   B "lsn"     = commit record LSN      = pgoutput Begin.final_lsn
 *   C "lsn"     = commit record LSN      = pgoutput Commit.commit_lsn
 *   B/C "nextlsn" = end of commit record = pgoutput Commit.end_lsn (also the C payload's walStart)
 * Row, truncate and message events take `walStart` as their lsn, like the pgoutput decoder: the
 * walsender stamps each payload with the change's own LSN, which is also wal2json's row "lsn".
 *
 * Differences from pgoutput the rest of the pipeline may notice:
 * - wal2json also brackets transactions that decoded no rows (DDL, filtered tables) with B/C;
 *   pgoutput on PostgreSQL 15 skips them. Harmless: an empty transaction.
 * - UPDATE "identity" is printed even when the key did not change (wal2json copies it from the
 *   new row); when the identity values equal the new row's, `before` is null as with pgoutput.
 * - TRUNCATE arrives as one "T" object per table without CASCADE/RESTART IDENTITY flags;
 *   consecutive "T"s at the same LSN are merged into one TruncateEvent (cascade and
 *   restartIdentity false). It is emitted with the next payload (normally the commit).
 * - Message content is text (truncated by wal2json at the first NUL byte); it becomes its UTF-8
 *   bytes.
 * - Relations are synthesized (relations.ts); unchanged-TOAST and NaN caveats in tuples.ts.
 */
import { ConnectorError } from '../../errors';
import { formatLsn, parseLsn, type Lsn } from '../../protocol/lsn';
import type { ChangeEvent, Decoder, Relation, TextValue, TruncateEvent, Tuple } from '../../model/change';
import { parseCommitTimestamp } from './commit-time';
import { formatWal2jsonStartOptions, type Wal2jsonDecoderOptions } from './options';
import { parseWal2jsonPayload, type W2jColumn, type W2jRecord } from './payload';
import { identityKind, relationKey, RelationCache } from './relations';
import type { RowTemplate } from './row-template';
import { identityTuple, newTuple } from './tuples';

/** wal2json v2 "action" values. */
export const Wal2jsonAction = {
  Begin: 'B',
  Commit: 'C',
  Insert: 'I',
  Update: 'U',
  Delete: 'D',
  Truncate: 'T',
  Message: 'M',
} as const;

const NONE: readonly ChangeEvent[] = Object.freeze([]);

export interface Wal2jsonDecoder extends Decoder {
  readonly plugin: 'wal2json';
  /** The cached synthesized relation for schema.table, if a row for it has arrived. */
  relation(schema: string, table: string): Relation | undefined;
  /** Row payloads read through a RowTemplate instead of JSON.parse (for tests and profiles). */
  readonly templatedRows: number;
}

/** Internal switches; the default is what walcast runs. */
export interface Wal2jsonDecoderTuning {
  /** Read rows of known relations through RowTemplate (row-template.ts). Default true. */
  readonly rowTemplates?: boolean;
}

const ACTION_HEAD = '{"action":"';
const ACTION_AT = ACTION_HEAD.length;
const SCHEMA_KEY = ',"schema":"';
const COLUMNS_KEY = ',"columns":[';
const IDENTITY_KEY = ',"identity":[';
/** The end of the "columns" list when an "identity" list follows. */
const IDENTITY_AFTER_COLUMNS = '}]' + IDENTITY_KEY;
const CHAR_I = 0x49, CHAR_U = 0x55, CHAR_D = 0x44, QUOTE = 0x22;

export function createWal2jsonDecoder(options: Wal2jsonDecoderOptions, tuning: Wal2jsonDecoderTuning = {}): Wal2jsonDecoder {
  const rowTemplates = tuning.rowTemplates ?? true;
  let templatedRows = 0;
  const startOptions = formatWal2jsonStartOptions(options);
  const tableFilter = options.tables === null ? null : new Set(options.tables.map((t) => relationKey(t.schema, t.table)));
  const prefixFilter = options.messagePrefixes === undefined || options.messagePrefixes.length === 0 ? null : new Set(options.messagePrefixes);
  const relations = new RelationCache();
  const announced = new WeakSet<Relation>();
  let pendingTruncate: { lsn: Lsn; relations: Relation[] } | null = null;

  function wanted(rec: W2jRecord): boolean {
    return tableFilter === null || tableFilter.has(relationKey(str(rec, 'schema'), str(rec, 'table')));
  }

  /** A RelationEvent the first time a relation object is used, like pgoutput's Relation message. */
  function announce(out: ChangeEvent[], rel: Relation): void {
    if (announced.has(rel)) return;
    announced.add(rel);
    out.push({ kind: 'relation', relation: rel });
  }

  function decodeBegin(rec: W2jRecord): ChangeEvent[] {
    return [{ kind: 'begin', xid: num(rec, 'xid'), finalLsn: lsnField(rec, 'lsn'), commitTimeUs: parseCommitTimestamp(str(rec, 'timestamp')) }];
  }

  function decodeCommit(rec: W2jRecord, walStart: Lsn): ChangeEvent[] {
    const endLsn = rec.nextlsn === undefined ? walStart : lsnField(rec, 'nextlsn');
    return [{ kind: 'commit', commitLsn: lsnField(rec, 'lsn'), endLsn, commitTimeUs: parseCommitTimestamp(str(rec, 'timestamp')) }];
  }

  function decodeInsert(rec: W2jRecord, walStart: Lsn): ChangeEvent[] {
    const cols = list(rec, 'columns');
    const rel = relations.forNewRow(str(rec, 'schema'), str(rec, 'table'), cols, rec.pk, true);
    const out: ChangeEvent[] = [];
    announce(out, rel);
    out.push({ kind: 'insert', lsn: walStart, relation: rel, after: newTuple(rel, cols) });
    return out;
  }

  function decodeUpdate(rec: W2jRecord, walStart: Lsn): ChangeEvent[] {
    const cols = list(rec, 'columns');
    let rel = relations.forNewRow(str(rec, 'schema'), str(rec, 'table'), cols, rec.pk, false);
    const after = newTuple(rel, cols);
    let before: Tuple | null = null;
    let keyOnly = false;
    if (rec.identity !== undefined && rec.identity.length > 0) {
      const ri = identityKind(rel, rec.identity);
      rel = relations.withReplicaIdentity(rel, ri);
      const old = identityTuple(rel, rec.identity);
      if (ri === 'full') before = old;
      else if (!sameAt(old, after, rel, rec.identity)) { before = old; keyOnly = true; }
    }
    const out: ChangeEvent[] = [];
    announce(out, rel);
    out.push({ kind: 'update', lsn: walStart, relation: rel, before, beforeIsKeyOnly: keyOnly, after });
    return out;
  }

  function decodeDelete(rec: W2jRecord, walStart: Lsn): ChangeEvent[] {
    const identity = list(rec, 'identity');
    let rel = relations.forIdentityOnly(str(rec, 'schema'), str(rec, 'table'), identity, rec.pk);
    const ri = identityKind(rel, identity);
    rel = relations.withReplicaIdentity(rel, ri);
    const out: ChangeEvent[] = [];
    announce(out, rel);
    out.push({ kind: 'delete', lsn: walStart, relation: rel, before: identityTuple(rel, identity), beforeIsKeyOnly: ri !== 'full' });
    return out;
  }

  function decodeTruncate(rec: W2jRecord, walStart: Lsn): ChangeEvent[] {
    const schema = str(rec, 'schema'), table = str(rec, 'table');
    const rel = relations.get(schema, table) ?? relations.forIdentityOnly(schema, table, [], undefined);
    const out: ChangeEvent[] = [];
    announce(out, rel);
    if (pendingTruncate !== null && pendingTruncate.lsn === walStart) pendingTruncate.relations.push(rel);
    else pendingTruncate = { lsn: walStart, relations: [rel] };
    return out;
  }

  function decodeMessage(rec: W2jRecord, walStart: Lsn): ChangeEvent[] {
    const prefix = str(rec, 'prefix');
    if (!options.messages || (prefixFilter !== null && !prefixFilter.has(prefix))) return [];
    return [{ kind: 'message', lsn: walStart, transactional: rec.transactional === true, prefix, content: Buffer.from(str(rec, 'content'), 'utf8') }];
  }

  function flushTruncate(): TruncateEvent | null {
    if (pendingTruncate === null) return null;
    const ev: TruncateEvent = { kind: 'truncate', lsn: pendingTruncate.lsn, relations: pendingTruncate.relations, cascade: false, restartIdentity: false };
    pendingTruncate = null;
    return ev;
  }

  /**
   * An INSERT, UPDATE or DELETE of a relation whose template matches the whole payload, decoded
   * as the general path would (row-template.ts says why it is the same); null otherwise.
   */
  function templatedRow(text: string, walStart: Lsn): ChangeEvent[] | null {
    const action = text.charCodeAt(ACTION_AT);
    if ((action !== CHAR_I && action !== CHAR_U && action !== CHAR_D) || text.charCodeAt(ACTION_AT + 1) !== QUOTE
      || !text.startsWith(ACTION_HEAD) || text.includes('\\')) return null;
    const at = text.indexOf(SCHEMA_KEY, ACTION_AT + 2);
    if (at < 0) return null;
    const tpl = relations.templateAt(text, at + SCHEMA_KEY.length);
    if (tpl === null) return null;
    const rel = tpl.relation;
    let pos = at + SCHEMA_KEY.length + tpl.head.length;
    if (action === CHAR_D) return templatedDelete(text, pos, tpl, walStart);
    if (!text.startsWith(COLUMNS_KEY, pos)) return null;
    const after = new Array<TextValue>(rel.columns.length);
    pos = tpl.readAll(text, pos + COLUMNS_KEY.length, after);
    if (pos < 0) return null;
    if (action === CHAR_I) {
      if (!tpl.endsWithPk(text, pos)) return null;
      return [{ kind: 'insert', lsn: walStart, relation: rel, after }];
    }
    if (!text.startsWith(IDENTITY_AFTER_COLUMNS, pos)) return null;
    const old = oldRow(text, pos + IDENTITY_AFTER_COLUMNS.length, tpl);
    if (old === null) return null;
    let before: Tuple | null = null, keyOnly = false;
    if (rel.replicaIdentity === 'full') before = old;
    else if (!sameIn(old, after, tpl.identity as readonly number[])) { before = old; keyOnly = true; }
    return [{ kind: 'update', lsn: walStart, relation: rel, before, beforeIsKeyOnly: keyOnly, after }];
  }

  function templatedDelete(text: string, pos: number, tpl: RowTemplate, walStart: Lsn): ChangeEvent[] | null {
    const rel = tpl.relation;
    if (!text.startsWith(IDENTITY_KEY, pos)) return null;
    const old = oldRow(text, pos + IDENTITY_KEY.length, tpl);
    if (old === null) return null;
    return [{ kind: 'delete', lsn: walStart, relation: rel, before: old, beforeIsKeyOnly: rel.replicaIdentity !== 'full' }];
  }

  function toEvents(rec: W2jRecord, walStart: Lsn): ChangeEvent[] {
    switch (rec.action) {
      case Wal2jsonAction.Begin: return decodeBegin(rec);
      case Wal2jsonAction.Commit: return decodeCommit(rec, walStart);
      case Wal2jsonAction.Insert: return wanted(rec) ? decodeInsert(rec, walStart) : [];
      case Wal2jsonAction.Update: return wanted(rec) ? decodeUpdate(rec, walStart) : [];
      case Wal2jsonAction.Delete: return wanted(rec) ? decodeDelete(rec, walStart) : [];
      case Wal2jsonAction.Truncate: return wanted(rec) ? decodeTruncate(rec, walStart) : [];
      case Wal2jsonAction.Message: return decodeMessage(rec, walStart);
      default:
        throw new ConnectorError('DECODE', `unknown wal2json action ${JSON.stringify(rec.action)}`);
    }
  }

  return {
    plugin: 'wal2json',
    startOptions: () => startOptions,
    relation: (schema, table) => relations.get(schema, table),
    get templatedRows() { return templatedRows; },
    decode(payload: Buffer, walStart: Lsn): readonly ChangeEvent[] {
      let events: ChangeEvent[];
      let rec: W2jRecord | undefined;
      const text = payload.toString('utf8');
      if (rowTemplates && pendingTruncate === null) {
        const row = templatedRow(text, walStart);
        if (row !== null) {
          templatedRows++;
          return row;
        }
      }
      try {
        rec = parseWal2jsonPayload(text);
        // A truncate group ends at the first payload that is not another "T" at the same LSN.
        const flushFirst = pendingTruncate !== null && !(rec.action === Wal2jsonAction.Truncate && pendingTruncate.lsn === walStart);
        const truncate = flushFirst ? flushTruncate() : null;
        events = toEvents(rec, walStart);
        if (truncate !== null) events.unshift(truncate);
      } catch (e) {
        const context = { lsn: formatLsn(walStart), wal2jsonAction: rec?.action, relation: rec?.table === undefined ? undefined : `${rec.schema}.${rec.table}` };
        if (e instanceof ConnectorError) {
          Object.assign(e.context, context);
          throw e;
        }
        throw new ConnectorError('DECODE', `malformed wal2json payload at ${formatLsn(walStart)}: ${(e as Error).message}`, { cause: e, context });
      }
      return events.length === 0 ? NONE : events;
    },
  };
}

/**
 * The old row from the "identity" list starting at `pos` to the end of the payload (the "pk"
 * tail), positions it does not list null, as identityTuple gives it; null when the text differs.
 */
function oldRow(text: string, pos: number, tpl: RowTemplate): Tuple | null {
  const old = new Array<TextValue>(tpl.relation.columns.length).fill(null);
  const end = tpl.readIdentity(text, pos, old);
  return end >= 0 && tpl.endsWithPk(text, end) ? old : null;
}

/** True when `old` equals `after` at every position in `idx`. */
function sameIn(old: Tuple, after: Tuple, idx: readonly number[]): boolean {
  for (const i of idx) if (old[i] !== after[i]) return false;
  return true;
}

/** True when the identity values equal the new row's at the same columns (key unchanged). */
function sameAt(old: Tuple, after: Tuple, rel: Relation, identity: readonly W2jColumn[]): boolean {
  for (const c of identity) {
    const i = rel.columns.findIndex((k) => k.name === c.name);
    if (i < 0 || old[i] !== after[i]) return false;
  }
  return true;
}

function str(rec: W2jRecord, field: 'schema' | 'table' | 'timestamp' | 'prefix' | 'content'): string {
  const v = rec[field];
  if (typeof v !== 'string') throw new ConnectorError('DECODE', `wal2json "${rec.action}" without string "${field}"`);
  return v;
}

function num(rec: W2jRecord, field: 'xid'): number {
  const v = rec[field];
  if (typeof v !== 'number') throw new ConnectorError('DECODE', `wal2json "${rec.action}" without numeric "${field}" (include-xids?)`);
  return v;
}

function list(rec: W2jRecord, field: 'columns' | 'identity'): readonly W2jColumn[] {
  const v = rec[field];
  if (!Array.isArray(v)) throw new ConnectorError('DECODE', `wal2json "${rec.action}" without "${field}"`);
  return v;
}

function lsnField(rec: W2jRecord, field: 'lsn' | 'nextlsn'): Lsn {
  const v = rec[field];
  if (typeof v !== 'string') throw new ConnectorError('DECODE', `wal2json "${rec.action}" without "${field}" (include-lsn?)`);
  return parseLsn(v);
}

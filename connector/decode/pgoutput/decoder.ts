/**
 * pgoutput Decoder: raw messages (parse.ts) -> ChangeEvents (change.ts).
 *
 * Keeps the relation cache. The server sends a Relation message before the first row of a
 * relation in each session and again whenever its definition changes (columns added, dropped,
 * retyped, replica identity changed), always before the row that needs it, so the latest
 * Relation message replaces the cached entry and every later row is read against it.
 *
 * With `streaming` (protocol v2) the decoder also tracks whether it is inside a Stream Start ..
 * Stream Stop block, because data messages there carry an extra xid field; it passes the Stream
 * messages on as events and tags data events in a block with their xid. Keeping, dropping and
 * publishing streamed transactions is the pipeline's business (pipeline/streamed-tx.ts).
 */
import { ConnectorError } from '../../errors';
import { formatLsn, type Lsn } from '../../protocol/lsn';
import { pgMicrosToUnixMicros } from '../../protocol/pg-time';
import type { ChangeEvent, DataEvent, Decoder, Relation, Tuple } from '../../model/change';
import type { PgoutputMessage } from './messages';
import { decodePgoutputMessage } from './parse';
import { formatPgoutputStartOptions, type PgoutputStartOptions } from './start-options';

const NONE: readonly ChangeEvent[] = Object.freeze([]);

/** Data events get `xid` only inside a streamed block, so events outside one look as in v1. */
function withXid<T extends DataEvent>(ev: T, xid: number | null): T {
  return xid === null ? ev : { ...ev, xid };
}

export interface PgoutputDecoder extends Decoder {
  readonly plugin: 'pgoutput';
  /** The cached definition for a relation OID, if one has arrived. */
  relation(oid: number): Relation | undefined;
}

export function createPgoutputDecoder(options: PgoutputStartOptions): PgoutputDecoder {
  if (options.publicationNames.length === 0) {
    throw new ConnectorError('CONFIG_INVALID', 'pgoutput needs at least one publication name');
  }
  const startOptions = formatPgoutputStartOptions(options);
  const relations = new Map<number, Relation>();
  /** Between Stream Start and Stream Stop. */
  let inStream = false;

  function lookup(oid: number, walStart: Lsn): Relation {
    const rel = relations.get(oid);
    if (rel === undefined) {
      throw new ConnectorError('DECODE', `row for relation OID ${oid} before any Relation message for it (at ${formatLsn(walStart)})`, {
        context: { relationOid: oid, lsn: formatLsn(walStart) },
      });
    }
    return rel;
  }

  function checkWidth(rel: Relation, tuple: Tuple, walStart: Lsn): Tuple {
    if (tuple.length !== rel.columns.length) {
      throw new ConnectorError('DECODE', `tuple for ${rel.schema}.${rel.table} has ${tuple.length} columns, relation has ${rel.columns.length}`, {
        context: { relationOid: rel.oid, relation: `${rel.schema}.${rel.table}`, lsn: formatLsn(walStart) },
      });
    }
    return tuple;
  }

  function toEvents(m: PgoutputMessage, walStart: Lsn): readonly ChangeEvent[] {
    switch (m.tag) {
      case 'insert': {
        const relation = lookup(m.relationOid, walStart);
        return [withXid({ kind: 'insert', lsn: walStart, relation, after: checkWidth(relation, m.newTuple, walStart) }, m.xid)];
      }
      case 'update': {
        const relation = lookup(m.relationOid, walStart);
        const before = m.oldTuple === null ? null : checkWidth(relation, m.oldTuple, walStart);
        return [withXid({
          kind: 'update', lsn: walStart, relation, before, beforeIsKeyOnly: m.oldIsKeyOnly,
          after: checkWidth(relation, m.newTuple, walStart),
        }, m.xid)];
      }
      case 'delete': {
        const relation = lookup(m.relationOid, walStart);
        return [withXid({ kind: 'delete', lsn: walStart, relation, before: checkWidth(relation, m.oldTuple, walStart), beforeIsKeyOnly: m.oldIsKeyOnly }, m.xid)];
      }
      case 'begin':
        return [{ kind: 'begin', xid: m.xid, finalLsn: m.finalLsn, commitTimeUs: pgMicrosToUnixMicros(m.commitTimePgUs) }];
      case 'commit':
        return [{ kind: 'commit', commitLsn: m.commitLsn, endLsn: m.endLsn, commitTimeUs: pgMicrosToUnixMicros(m.commitTimePgUs) }];
      case 'relation': {
        const relation: Relation = Object.freeze({
          oid: m.oid, schema: m.schema, table: m.table, replicaIdentity: m.replicaIdentity,
          columns: Object.freeze(m.columns.map((c) => Object.freeze(c))),
        });
        relations.set(m.oid, relation);
        return [{ kind: 'relation', relation }];
      }
      case 'truncate':
        return [withXid({
          kind: 'truncate', lsn: walStart, relations: m.relationOids.map((oid) => lookup(oid, walStart)),
          cascade: m.cascade, restartIdentity: m.restartIdentity,
        }, m.xid)];
      case 'message':
        // content is a view into the socket chunk: copy, it outlives this call.
        return [withXid({ kind: 'message', lsn: walStart, transactional: m.transactional, prefix: m.prefix, content: Buffer.from(m.content) }, m.xid)];
      case 'streamStart':
        if (inStream) throw new ConnectorError('DECODE', `Stream Start for xid ${m.xid} inside an open stream block (at ${formatLsn(walStart)})`, { context: { lsn: formatLsn(walStart), xid: m.xid } });
        inStream = true;
        return [{ kind: 'streamStart', xid: m.xid, firstSegment: m.firstSegment }];
      case 'streamStop':
        if (!inStream) throw new ConnectorError('DECODE', `Stream Stop outside a stream block (at ${formatLsn(walStart)})`, { context: { lsn: formatLsn(walStart) } });
        inStream = false;
        return [{ kind: 'streamStop' }];
      case 'streamCommit':
        return [{ kind: 'streamCommit', xid: m.xid, commitLsn: m.commitLsn, endLsn: m.endLsn, commitTimeUs: pgMicrosToUnixMicros(m.commitTimePgUs) }];
      case 'streamAbort':
        return [{ kind: 'streamAbort', xid: m.xid, subXid: m.subXid }];
      case 'type':
      case 'origin':
        return NONE;
    }
  }

  return {
    plugin: 'pgoutput',
    startOptions: () => startOptions,
    relation: (oid) => relations.get(oid),
    decode(payload: Buffer, walStart: Lsn): readonly ChangeEvent[] {
      let m: PgoutputMessage;
      try {
        m = decodePgoutputMessage(payload, inStream);
      } catch (e) {
        if (e instanceof ConnectorError && e.code === 'DECODE') {
          Object.assign(e.context, { lsn: formatLsn(walStart) });
          throw e;
        }
        const tag = payload.length > 0 ? String.fromCharCode(payload[0]) : '(empty)';
        throw new ConnectorError('DECODE', `malformed pgoutput '${tag}' message at ${formatLsn(walStart)}: ${(e as Error).message}`, {
          cause: e, context: { lsn: formatLsn(walStart), pgoutputTag: tag },
        });
      }
      return toEvents(m, walStart);
    },
  };
}

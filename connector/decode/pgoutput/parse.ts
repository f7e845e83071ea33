/**
 * One pure function per pgoutput message tag (protocol versions 1 and 2). Each receives a reader
 * positioned just after the tag byte. Layouts quoted from PostgreSQL 15 "Logical Replication
 * Message Formats". `streamed` is true between Stream Start and Stream Stop: there (and only
 * there) Relation, Type, Insert, Update, Delete, Truncate and Message begin with
 * "Int32 (TransactionId) Xid of the transaction (only present for streamed transactions)".
 */
import { ConnectorError } from '../../errors';
import type { Lsn } from '../../protocol/lsn';
import { BufferReader } from '../../protocol/reader';
import type { Column, ReplicaIdentity } from '../../model/change';
import {
  PgoutputTag, TupleTag,
  type PgBegin, type PgCommit, type PgDelete, type PgInsert, type PgMessage, type PgOrigin,
  type PgRelation, type PgStreamAbort, type PgStreamCommit, type PgStreamStart, type PgStreamStop,
  type PgTruncate, type PgType, type PgUpdate, type PgoutputMessage,
} from './messages';
import { readTupleData } from './tuple';

/** Begin: Int64 final LSN of the transaction, Int64 commit timestamp (µs since 2000-01-01), Int32 xid. */
export function decodeBegin(r: BufferReader): PgBegin {
  const finalLsn = r.uint64() as Lsn;
  const commitTimePgUs = r.int64();
  const xid = r.uint32();
  return { tag: 'begin', finalLsn, commitTimePgUs, xid };
}

/** Commit: Int8 flags (unused, 0), Int64 commit LSN, Int64 end LSN of the transaction, Int64 commit timestamp. */
export function decodeCommit(r: BufferReader): PgCommit {
  const flags = r.uint8();
  const commitLsn = r.uint64() as Lsn;
  const endLsn = r.uint64() as Lsn;
  const commitTimePgUs = r.int64();
  return { tag: 'commit', flags, commitLsn, endLsn, commitTimePgUs };
}

/** Origin: Int64 commit LSN on the origin server, String origin name. */
export function decodeOrigin(r: BufferReader): PgOrigin {
  const originLsn = r.uint64() as Lsn;
  return { tag: 'origin', originLsn, name: r.cstring() };
}

const IDENTITY: Record<number, ReplicaIdentity> = {
  0x64: 'default', // 'd' primary key
  0x6e: 'nothing', // 'n'
  0x66: 'full', // 'f'
  0x69: 'index', // 'i' a chosen unique index
};

/**
 * Relation: [Int32 xid (streamed)] Int32 OID, String namespace ("" for pg_catalog), String relation name,
 * Int8 replica identity (relreplident: d/n/f/i), Int16 ncols, then per column:
 *   Int8 flags (1 = part of the replica identity key), String name, Int32 type OID, Int32 typmod.
 */
export function decodeRelation(r: BufferReader, streamed = false): PgRelation {
  const xid = streamed ? r.uint32() : null;
  const oid = r.uint32();
  const schema = r.cstring();
  const table = r.cstring();
  const identChar = r.uint8();
  const replicaIdentity = IDENTITY[identChar];
  if (replicaIdentity === undefined) {
    throw new ConnectorError('DECODE', `relation ${oid} has unknown replica identity 0x${identChar.toString(16)}`, { context: { relationOid: oid } });
  }
  const n = r.int16();
  const columns: Column[] = new Array<Column>(n);
  for (let i = 0; i < n; i++) {
    const flags = r.uint8();
    const name = r.cstring();
    const typeOid = r.uint32();
    const typeMod = r.int32();
    columns[i] = { name, typeOid, typeMod, isKey: (flags & 1) === 1 };
  }
  return { tag: 'relation', xid, oid, schema, table, replicaIdentity, columns };
}

/** Type: [Int32 xid (streamed)] Int32 OID, String namespace ("" for pg_catalog), String type name. Sent before the first Relation using a non-builtin type. */
export function decodeType(r: BufferReader, streamed = false): PgType {
  const xid = streamed ? r.uint32() : null;
  const oid = r.uint32();
  const schema = r.cstring();
  return { tag: 'type', xid, oid, schema, name: r.cstring() };
}

/** Insert: [Int32 xid (streamed)] Int32 relation OID, Byte1('N'), TupleData new row. */
export function decodeInsert(r: BufferReader, streamed = false): PgInsert {
  const xid = streamed ? r.uint32() : null;
  const relationOid = r.uint32();
  expectTupleTag(r, TupleTag.New, 'Insert');
  return { tag: 'insert', xid, relationOid, newTuple: readTupleData(r) };
}

/**
 * Update: [Int32 xid (streamed)] Int32 relation OID, then optionally Byte1('K') TupleData (old key, sent when the
 * key changed) or Byte1('O') TupleData (old row, REPLICA IDENTITY FULL), then Byte1('N') TupleData.
 */
export function decodeUpdate(r: BufferReader, streamed = false): PgUpdate {
  const xid = streamed ? r.uint32() : null;
  const relationOid = r.uint32();
  let sub = r.uint8();
  let oldTuple = null;
  let oldIsKeyOnly = false;
  if (sub === TupleTag.Key || sub === TupleTag.Old) {
    oldIsKeyOnly = sub === TupleTag.Key;
    oldTuple = readTupleData(r);
    sub = r.uint8();
  }
  if (sub !== TupleTag.New) throw badTupleTag(sub, 'Update');
  return { tag: 'update', xid, relationOid, oldTuple, oldIsKeyOnly, newTuple: readTupleData(r) };
}

/** Delete: [Int32 xid (streamed)] Int32 relation OID, Byte1('K') or Byte1('O'), TupleData old key / old row. */
export function decodeDelete(r: BufferReader, streamed = false): PgDelete {
  const xid = streamed ? r.uint32() : null;
  const relationOid = r.uint32();
  const sub = r.uint8();
  if (sub !== TupleTag.Key && sub !== TupleTag.Old) throw badTupleTag(sub, 'Delete');
  return { tag: 'delete', xid, relationOid, oldTuple: readTupleData(r), oldIsKeyOnly: sub === TupleTag.Key };
}

/** Truncate: [Int32 xid (streamed)] Int32 number of relations, Int8 options (bit 1 CASCADE, bit 2 RESTART IDENTITY), Int32 OID per relation. */
export function decodeTruncate(r: BufferReader, streamed = false): PgTruncate {
  const xid = streamed ? r.uint32() : null;
  const n = r.int32();
  const options = r.uint8();
  if (n < 0 || n * 4 > r.remaining) throw new ConnectorError('DECODE', `Truncate claims ${n} relations in ${r.remaining} bytes`);
  const relationOids = new Array<number>(n);
  for (let i = 0; i < n; i++) relationOids[i] = r.uint32();
  return { tag: 'truncate', xid, relationOids, cascade: (options & 1) !== 0, restartIdentity: (options & 2) !== 0 };
}

/**
 * Message (pg_logical_emit_message, only with `messages 'true'`): [Int32 xid (streamed)] Int8 flags (1 = transactional),
 * Int64 LSN of the message, String prefix, Int32 content length, Byte(n) content.
 * Non-transactional messages arrive outside any Begin/Commit. `content` is a view.
 */
export function decodeMessage(r: BufferReader, streamed = false): PgMessage {
  const xid = streamed ? r.uint32() : null;
  const flags = r.uint8();
  const lsn = r.uint64() as Lsn;
  const prefix = r.cstring();
  const content = r.bytes(r.int32());
  return { tag: 'message', xid, transactional: (flags & 1) !== 0, lsn, prefix, content };
}

/** Stream Start (v2): Int32 xid of the transaction, Int8 1 if this is its first stream segment, else 0. */
export function decodeStreamStart(r: BufferReader): PgStreamStart {
  const xid = r.uint32();
  return { tag: 'streamStart', xid, firstSegment: r.uint8() === 1 };
}

/** Stream Stop (v2): no fields; the block of streamed changes ends. */
export function decodeStreamStop(): PgStreamStop {
  return { tag: 'streamStop' };
}

/**
 * Stream Commit (v2): Int32 xid of the transaction, Int8 flags (unused, 0), Int64 commit LSN,
 * Int64 end LSN of the transaction, Int64 commit timestamp (µs since 2000-01-01).
 */
export function decodeStreamCommit(r: BufferReader): PgStreamCommit {
  const xid = r.uint32();
  const flags = r.uint8();
  const commitLsn = r.uint64() as Lsn;
  const endLsn = r.uint64() as Lsn;
  return { tag: 'streamCommit', xid, flags, commitLsn, endLsn, commitTimePgUs: r.int64() };
}

/**
 * Stream Abort (v2, v3): Int32 xid of the transaction, Int32 xid of the subtransaction (the same
 * as the transaction's for a top-level abort). Protocol v4 (PostgreSQL 16, `streaming parallel`)
 * appends the abort LSN and time; walcast asks for v2 and never receives them.
 */
export function decodeStreamAbort(r: BufferReader): PgStreamAbort {
  const xid = r.uint32();
  return { tag: 'streamAbort', xid, subXid: r.uint32() };
}

/**
 * Decodes one whole pgoutput message (one XLogData payload). `streamed`: the message arrived
 * between Stream Start and Stream Stop (the caller tracks that), so data messages carry an xid.
 */
export function decodePgoutputMessage(data: Buffer, streamed = false): PgoutputMessage {
  const r = new BufferReader(data);
  const tag = r.uint8();
  switch (tag) {
    case PgoutputTag.Insert: return decodeInsert(r, streamed);
    case PgoutputTag.Update: return decodeUpdate(r, streamed);
    case PgoutputTag.Delete: return decodeDelete(r, streamed);
    case PgoutputTag.Begin: return decodeBegin(r);
    case PgoutputTag.Commit: return decodeCommit(r);
    case PgoutputTag.Relation: return decodeRelation(r, streamed);
    case PgoutputTag.Type: return decodeType(r, streamed);
    case PgoutputTag.Origin: return decodeOrigin(r);
    case PgoutputTag.Truncate: return decodeTruncate(r, streamed);
    case PgoutputTag.Message: return decodeMessage(r, streamed);
    case PgoutputTag.StreamStart: return decodeStreamStart(r);
    case PgoutputTag.StreamStop: return decodeStreamStop();
    case PgoutputTag.StreamCommit: return decodeStreamCommit(r);
    case PgoutputTag.StreamAbort: return decodeStreamAbort(r);
    default:
      throw new ConnectorError('DECODE', `unknown pgoutput message tag '${String.fromCharCode(tag)}' (0x${tag.toString(16)})`, {
        context: { pgoutputTag: tag },
      });
  }
}

function expectTupleTag(r: BufferReader, want: number, where: string): void {
  const got = r.uint8();
  if (got !== want) throw badTupleTag(got, where);
}

function badTupleTag(got: number, where: string): ConnectorError {
  return new ConnectorError('DECODE', `unexpected tuple tag '${String.fromCharCode(got)}' in ${where}`);
}

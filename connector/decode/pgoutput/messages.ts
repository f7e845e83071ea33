/**
 * pgoutput's logical replication messages (protocol versions 1 and 2, PostgreSQL 15 "Logical
 * Replication Message Formats"), as a raw union: relations are still OIDs here. Each XLogData
 * payload carries exactly one of these, starting with its Byte1 tag.
 *
 * Version 2 (PostgreSQL 14+, with `streaming 'on'`) adds the Stream messages: the server sends a
 * large transaction in blocks before it commits (Stream Start ... Stream Stop, blocks of several
 * transactions interleaved), then Stream Commit or Stream Abort. Inside a block, Relation, Type,
 * Insert, Update, Delete, Truncate and Message carry an Int32 xid right after the tag: the xid
 * of the (sub)transaction the change belongs to. Outside a block they do not.
 */
import type { Lsn } from '../../protocol/lsn';
import type { Column, ReplicaIdentity, Tuple } from '../../model/change';

/** Message tags (first byte of the XLogData payload). */
export const PgoutputTag = {
  Begin: 0x42, // 'B'
  Commit: 0x43, // 'C'
  Origin: 0x4f, // 'O'
  Relation: 0x52, // 'R'
  Type: 0x59, // 'Y'
  Insert: 0x49, // 'I'
  Update: 0x55, // 'U'
  Delete: 0x44, // 'D'
  Truncate: 0x54, // 'T'
  Message: 0x4d, // 'M'
  StreamStart: 0x53, // 'S' (v2)
  StreamStop: 0x45, // 'E' (v2)
  StreamCommit: 0x63, // 'c' (v2)
  StreamAbort: 0x41, // 'A' (v2)
} as const;

/** Sub-tags introducing a TupleData inside Insert/Update/Delete. */
export const TupleTag = {
  New: 0x4e, // 'N'
  Key: 0x4b, // 'K' old values of the replica identity columns only
  Old: 0x4f, // 'O' whole old row (REPLICA IDENTITY FULL)
} as const;

/** Per-column kinds inside TupleData. */
export const ColumnKind = {
  Null: 0x6e, // 'n'
  UnchangedToast: 0x75, // 'u'
  Text: 0x74, // 't'
  Binary: 0x62, // 'b' (only with the `binary` option, which walcast never requests)
} as const;

export interface PgBegin {
  readonly tag: 'begin';
  readonly finalLsn: Lsn;
  /** µs since the PostgreSQL epoch, as sent. */
  readonly commitTimePgUs: bigint;
  readonly xid: number;
}

export interface PgCommit {
  readonly tag: 'commit';
  readonly flags: number;
  readonly commitLsn: Lsn;
  readonly endLsn: Lsn;
  readonly commitTimePgUs: bigint;
}

export interface PgOrigin {
  readonly tag: 'origin';
  readonly originLsn: Lsn;
  readonly name: string;
}

export interface PgRelation {
  readonly tag: 'relation';
  /** (Sub)transaction xid: only inside a streamed block (v2), else null. */
  readonly xid: number | null;
  readonly oid: number;
  readonly schema: string;
  readonly table: string;
  readonly replicaIdentity: ReplicaIdentity;
  readonly columns: readonly Column[];
}

export interface PgType {
  readonly tag: 'type';
  /** (Sub)transaction xid: only inside a streamed block (v2), else null. */
  readonly xid: number | null;
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
}

export interface PgInsert {
  readonly tag: 'insert';
  /** (Sub)transaction xid: only inside a streamed block (v2), else null. */
  readonly xid: number | null;
  readonly relationOid: number;
  readonly newTuple: Tuple;
}

export interface PgUpdate {
  readonly tag: 'update';
  /** (Sub)transaction xid: only inside a streamed block (v2), else null. */
  readonly xid: number | null;
  readonly relationOid: number;
  /** 'K' (key columns only, others null) or 'O' (full old row); null when not sent. */
  readonly oldTuple: Tuple | null;
  readonly oldIsKeyOnly: boolean;
  readonly newTuple: Tuple;
}

export interface PgDelete {
  readonly tag: 'delete';
  /** (Sub)transaction xid: only inside a streamed block (v2), else null. */
  readonly xid: number | null;
  readonly relationOid: number;
  readonly oldTuple: Tuple;
  readonly oldIsKeyOnly: boolean;
}

export interface PgTruncate {
  readonly tag: 'truncate';
  /** (Sub)transaction xid: only inside a streamed block (v2), else null. */
  readonly xid: number | null;
  readonly relationOids: readonly number[];
  readonly cascade: boolean;
  readonly restartIdentity: boolean;
}

export interface PgMessage {
  readonly tag: 'message';
  /** (Sub)transaction xid: only inside a streamed block (v2), else null. */
  readonly xid: number | null;
  readonly transactional: boolean;
  readonly lsn: Lsn;
  readonly prefix: string;
  /** A view into the XLogData payload: copy before keeping it. */
  readonly content: Buffer;
}

export interface PgStreamStart {
  readonly tag: 'streamStart';
  readonly xid: number;
  /** True for the first block of this transaction. */
  readonly firstSegment: boolean;
}

export interface PgStreamStop {
  readonly tag: 'streamStop';
}

export interface PgStreamCommit {
  readonly tag: 'streamCommit';
  readonly xid: number;
  readonly flags: number;
  readonly commitLsn: Lsn;
  readonly endLsn: Lsn;
  readonly commitTimePgUs: bigint;
}

export interface PgStreamAbort {
  readonly tag: 'streamAbort';
  /** The top-level transaction. */
  readonly xid: number;
  /** The aborted subtransaction; equal to `xid` when the whole transaction aborted. */
  readonly subXid: number;
}

export type PgoutputMessage =
  | PgBegin | PgCommit | PgOrigin | PgRelation | PgType
  | PgInsert | PgUpdate | PgDelete | PgTruncate | PgMessage
  | PgStreamStart | PgStreamStop | PgStreamCommit | PgStreamAbort;

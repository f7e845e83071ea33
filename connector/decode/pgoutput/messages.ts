/**
 * pgoutput's logical replication messages (protocol version 1, PostgreSQL 15 "Logical
 * Replication Message Formats"), as a raw union: relations are still OIDs here. Each XLogData
 * payload carries exactly one of these, starting with its Byte1 tag.
 */
import type { Lsn } from '../../protocol/lsn';
import type { Column, ReplicaIdentity, Tuple } from '../change';

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
  readonly oid: number;
  readonly schema: string;
  readonly table: string;
  readonly replicaIdentity: ReplicaIdentity;
  readonly columns: readonly Column[];
}

export interface PgType {
  readonly tag: 'type';
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
}

export interface PgInsert {
  readonly tag: 'insert';
  readonly relationOid: number;
  readonly newTuple: Tuple;
}

export interface PgUpdate {
  readonly tag: 'update';
  readonly relationOid: number;
  /** 'K' (key columns only, others null) or 'O' (full old row); null when not sent. */
  readonly oldTuple: Tuple | null;
  readonly oldIsKeyOnly: boolean;
  readonly newTuple: Tuple;
}

export interface PgDelete {
  readonly tag: 'delete';
  readonly relationOid: number;
  readonly oldTuple: Tuple;
  readonly oldIsKeyOnly: boolean;
}

export interface PgTruncate {
  readonly tag: 'truncate';
  readonly relationOids: readonly number[];
  readonly cascade: boolean;
  readonly restartIdentity: boolean;
}

export interface PgMessage {
  readonly tag: 'message';
  readonly transactional: boolean;
  readonly lsn: Lsn;
  readonly prefix: string;
  /** A view into the XLogData payload: copy before keeping it. */
  readonly content: Buffer;
}

export type PgoutputMessage =
  | PgBegin | PgCommit | PgOrigin | PgRelation | PgType
  | PgInsert | PgUpdate | PgDelete | PgTruncate | PgMessage;

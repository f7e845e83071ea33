/**
 * The decoder-neutral change model. Both decoders (pgoutput, wal2json) turn the server's bytes
 * into this stream; everything downstream (envelope, sinks, ack tracker, snapshot) only sees it.
 *
 * Values stay in PostgreSQL's *text output form* (what `SELECT col::text` prints) until the
 * envelope converts them with the column's type OID; so int8/numeric never pass a JS number.
 */
import type { Lsn } from '../protocol/lsn';

export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';

export interface Column {
  readonly name: string;
  /** pg_type OID (uint32). */
  readonly typeOid: number;
  /** atttypmod, -1 when none. */
  readonly typeMod: number;
  /** Part of the replica identity (primary key by default). */
  readonly isKey: boolean;
}

export interface Relation {
  /** pg_class OID; wal2json relations get a stable synthetic id per schema.table. */
  readonly oid: number;
  readonly schema: string;
  readonly table: string;
  readonly replicaIdentity: ReplicaIdentity;
  readonly columns: readonly Column[];
}

/** An unchanged TOASTed column the server did not send (pgoutput 'u'). */
export const UNCHANGED_TOAST: unique symbol = Symbol.for('walcast.unchanged-toast');
export type TextValue = string | null | typeof UNCHANGED_TOAST;
/** One value per relation column, same order as `Relation.columns`. */
export type Tuple = readonly TextValue[];

export interface BeginEvent {
  readonly kind: 'begin';
  readonly xid: number;
  /** LSN of the commit record: known at BEGIN, used for deterministic event ids. */
  readonly finalLsn: Lsn;
  /** Commit time, µs since the Unix epoch. */
  readonly commitTimeUs: bigint;
}

export interface CommitEvent {
  readonly kind: 'commit';
  readonly commitLsn: Lsn;
  /** End of the commit record: what the slot is confirmed to once everything is acked. */
  readonly endLsn: Lsn;
  readonly commitTimeUs: bigint;
}

export interface InsertEvent {
  readonly kind: 'insert';
  readonly lsn: Lsn;
  /** Inside a streamed block only: the (sub)transaction the change belongs to (see StreamStartEvent). */
  readonly xid?: number;
  readonly relation: Relation;
  readonly after: Tuple;
}

export interface UpdateEvent {
  readonly kind: 'update';
  readonly lsn: Lsn;
  /** Inside a streamed block only: the (sub)transaction the change belongs to (see StreamStartEvent). */
  readonly xid?: number;
  readonly relation: Relation;
  /**
   * The old row when the server sent one: the full old tuple (REPLICA IDENTITY FULL, 'O') or
   * only the key columns with other positions null ('K', sent when the key changed). null otherwise.
   */
  readonly before: Tuple | null;
  readonly beforeIsKeyOnly: boolean;
  readonly after: Tuple;
}

export interface DeleteEvent {
  readonly kind: 'delete';
  readonly lsn: Lsn;
  /** Inside a streamed block only: the (sub)transaction the change belongs to (see StreamStartEvent). */
  readonly xid?: number;
  readonly relation: Relation;
  /** Old row: full ('O') or key-only ('K', non-key positions null). */
  readonly before: Tuple;
  readonly beforeIsKeyOnly: boolean;
}

export interface TruncateEvent {
  readonly kind: 'truncate';
  readonly lsn: Lsn;
  /** Inside a streamed block only: the (sub)transaction the change belongs to (see StreamStartEvent). */
  readonly xid?: number;
  readonly relations: readonly Relation[];
  readonly cascade: boolean;
  readonly restartIdentity: boolean;
}

export interface MessageEvent {
  readonly kind: 'message';
  readonly lsn: Lsn;
  /** Inside a streamed block only: the (sub)transaction the change belongs to (see StreamStartEvent). */
  readonly xid?: number;
  readonly transactional: boolean;
  readonly prefix: string;
  readonly content: Buffer;
}

/** A relation's definition arrived or changed (informational; rows already carry their relation). */
export interface RelationEvent {
  readonly kind: 'relation';
  readonly relation: Relation;
}

/**
 * In-progress transactions (pgoutput protocol v2, `streaming 'on'`): the server sends a large
 * transaction's changes in blocks before it ends, and blocks of several transactions may
 * interleave with each other and with ordinary BEGIN..COMMIT transactions. Data events between
 * StreamStart and StreamStop carry `xid` (the subtransaction's own xid for changes made in one).
 * The transaction ends with StreamCommit (publish it) or StreamAbort (drop it, or only the
 * subtransaction `subXid` when that differs from `xid`).
 */
export interface StreamStartEvent {
  readonly kind: 'streamStart';
  readonly xid: number;
  readonly firstSegment: boolean;
}

export interface StreamStopEvent {
  readonly kind: 'streamStop';
}

export interface StreamCommitEvent {
  readonly kind: 'streamCommit';
  readonly xid: number;
  readonly commitLsn: Lsn;
  readonly endLsn: Lsn;
  /** Commit time, µs since the Unix epoch. */
  readonly commitTimeUs: bigint;
}

export interface StreamAbortEvent {
  readonly kind: 'streamAbort';
  readonly xid: number;
  /** Equal to `xid` when the whole transaction aborted. */
  readonly subXid: number;
}

export type StreamEvent = StreamStartEvent | StreamStopEvent | StreamCommitEvent | StreamAbortEvent;
export type DataEvent = InsertEvent | UpdateEvent | DeleteEvent | TruncateEvent | MessageEvent;
export type ChangeEvent = BeginEvent | CommitEvent | DataEvent | RelationEvent | StreamEvent;

/**
 * A decoder consumes one XLogData payload at a time (with the WAL position the server gave it)
 * and returns the change events it contained. Decoders keep their relation cache between calls.
 */
export interface Decoder {
  readonly plugin: 'pgoutput' | 'wal2json';
  /** Options for START_REPLICATION, already formatted as `name 'value'` pairs, values quoted. */
  startOptions(): string;
  decode(payload: Buffer, walStart: Lsn): readonly ChangeEvent[];
}

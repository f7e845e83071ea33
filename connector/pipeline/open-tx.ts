/**
 * A transaction as the stream session tracks it while its changes arrive, and the exactly-once
 * skip rule that decides, at its BEGIN, whether its records are already in Kafka.
 */
import type { TxContext } from '../envelope/builder';
import type { OpenTransaction } from '../envelope/transaction-metadata';
import type { Lsn } from '../protocol/lsn';
import type { CommittedOffset } from '../model/record';
import type { SeenBy } from './fresh-read-filter';

export interface OpenTx {
  readonly xid: number;
  readonly commitLsn: Lsn;
  readonly commitTimeUs: bigint;
  index: number;
  /**
   * Whether the commit moves source.sequence[0]: Debezium's does not move for a transaction
   * whose changes were all dropped by skipped.operations, and does for any other (one whose
   * logical messages its prefix lists dropped, or a key change whose halves c and d dropped),
   * as test/integration/compat/routing.test.ts shows.
   */
  counts: boolean;
  /** envelope.transactionMetadata: counters, and whether BEGIN still waits for a position (replays). */
  meta?: OpenTransaction;
  beginPending?: boolean;
  /** Exactly-once: already committed to Kafka (at or below the committed offset): no records. */
  readonly skip: boolean;
  /** Records of this transaction were handed out (the commit needs a checkpoint). */
  emitted: boolean;
  /** Exactly-once: the snapshot runs that saw this transaction (fresh-read-filter.ts); null: none. */
  seenBy?: SeenBy | null;
  /** The envelope's view of it, made once per transaction (and again if lastCommitLsn changes). */
  context?: TxContext;
}

/** What a replayed unit is: a transaction (named by its commit record's start) or a non-transactional message. */
export type UnitKind = 'transaction' | 'message';

/**
 * The skip rule (exactly-once). The offset record names the last unit committed to Kafka:
 * a PostgreSQL transaction by the start C and end E of its commit record, or a non-transactional
 * logical message by its LSN m as both (PostgreSQL stamps a message with its record's END,
 * decode.c logicalmsg_decode passes buf->endptr; a commit record is never empty, so C < E tells
 * the two apart). The slot replays units in WAL order of their commit record (message record),
 * so a unit is already in Kafka exactly when it is not after the committed one:
 * - after a transaction (C, E): a transaction's commit starts at or after E > C, a message's
 *   record ends after E: skip a transaction at or below C, a message at or below C (a message
 *   right before the commit record ends exactly at C).
 * - after a message m: a message's record ends after m; a transaction's commit record starts at
 *   or after m, AT m when it directly follows the message (a non-transactional message emitted
 *   just before its transaction's COMMIT): skip a message at or below m, a transaction only
 *   below m. `<=` there skipped that transaction although Kafka never got it.
 */
export function alreadyCommitted(lsn: Lsn, committed: CommittedOffset | null, kind: UnitKind = 'transaction'): boolean {
  if (committed === null) return false;
  const afterMessage = committed.commitLsn === committed.endLsn;
  return kind === 'transaction' && afterMessage ? lsn < committed.commitLsn : lsn <= committed.commitLsn;
}

/**
 * A transaction opening at its BEGIN (or a non-transactional message, a unit of its own, named by
 * its LSN); `committed` is the exactly-once offset (undefined when exactly-once is off).
 */
export function openTx(xid: number, commitLsn: Lsn, commitTimeUs: bigint, committed: CommittedOffset | null | undefined, kind: UnitKind = 'transaction'): OpenTx {
  const skip = committed !== undefined && alreadyCommitted(commitLsn, committed, kind);
  return { xid, commitLsn, commitTimeUs, index: 0, counts: false, skip, emitted: false };
}

/**
 * A transaction as the stream session tracks it while its changes arrive, and the exactly-once
 * skip rule that decides, at its BEGIN, whether its records are already in Kafka.
 */
import type { TxContext } from '../envelope/builder';
import type { OpenTransaction } from '../envelope/transaction-metadata';
import type { Lsn } from '../protocol/lsn';
import type { CommittedOffset } from '../model/record';

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
  /** The envelope's view of it, made once per transaction (and again if lastCommitLsn changes). */
  context?: TxContext;
}

/**
 * The skip rule (exactly-once). The offset record holds the commit LSN C and end LSN E of the
 * last PostgreSQL transaction committed to Kafka (or a non-transactional message's LSN as both).
 * The slot replays transactions in commit order; a transaction T' after it has its commit
 * record after E, so commitLsn(T') >= E > C. Hence a replayed transaction (its BEGIN carries its
 * commit LSN) or non-transactional message is already in Kafka exactly when its commit LSN
 * (message LSN) <= C.
 */
export function alreadyCommitted(commitLsn: Lsn, committed: CommittedOffset | null): boolean {
  return committed !== null && commitLsn <= committed.commitLsn;
}

/**
 * A transaction opening at its BEGIN (or a non-transactional message, a unit of its own, named by
 * its LSN); `committed` is the exactly-once offset (undefined when exactly-once is off).
 */
export function openTx(xid: number, commitLsn: Lsn, commitTimeUs: bigint, committed: CommittedOffset | null | undefined): OpenTx {
  const skip = committed !== undefined && alreadyCommitted(commitLsn, committed);
  return { xid, commitLsn, commitTimeUs, index: 0, counts: false, skip, emitted: false };
}

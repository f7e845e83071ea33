/**
 * In-progress transactions (pgoutput protocol v2, `streaming 'on'`): what the stream session does
 * with Stream Start / Stop / Commit / Abort and the changes between them.
 *
 * PostgreSQL starts streaming a transaction once its decoded changes pass
 * `logical_decoding_work_mem`, instead of spilling them to its own disk (pg_replslot/) and
 * sending them after the commit. Blocks of several open transactions may interleave with each
 * other and with ordinary transactions. walcast keeps each open transaction's changes in a
 * SpillStore (memory up to a budget, then local disk) and publishes nothing before its Stream
 * Commit: then the changes are read back in order and go through the same path as an ordinary
 * transaction (Begin, rows, Commit; same ids, since ids derive from the commit LSN), paced by
 * the broker's acks. A Stream Abort drops the transaction, or only the changes of the aborted
 * subtransaction (ROLLBACK TO SAVEPOINT): every streamed change carries its own
 * (sub)transaction xid, and the server sends one Stream Abort per aborted subtransaction that
 * had streamed changes (for a rollback to an outer savepoint, one for each nested one too).
 *
 * Confirmation is unchanged: the transaction's commit enters the AckTracker after its last
 * record, so its end LSN is confirmed only once every record of it (and everything before) is
 * acked. Before the commit nothing of it is confirmed; the slot's restart_lsn keeps its WAL and
 * a restarted session receives the whole transaction again (a new spill; the old one is removed
 * when the store opens).
 */
import { ConnectorError } from '../errors';
import type { ChangeEvent, DataEvent, StreamAbortEvent, StreamCommitEvent, StreamStartEvent } from '../model/change';
import type { Logger } from '../observe/logger';
import type { SpillStore, SpilledTx } from '../offsets/spill';

export class StreamedTransactions {
  private readonly open = new Map<number, SpilledTx>();
  /** The transaction of the current Stream Start .. Stream Stop block. */
  private current: SpilledTx | null = null;

  constructor(private readonly store: SpillStore, private readonly logger: Logger) {}

  get inBlock(): boolean {
    return this.current !== null;
  }

  /** Transactions streamed but not yet committed or aborted. */
  get openCount(): number {
    return this.open.size;
  }

  start(ev: StreamStartEvent): void {
    let tx = this.open.get(ev.xid);
    if (tx && ev.firstSegment) {
      // Cannot happen within one walsender session; if it does, the old part is stale.
      this.logger.warn({ xid: ev.xid }, 'first stream segment for a transaction already streaming: its earlier changes are dropped');
      tx.discard();
      tx = undefined;
    }
    if (!tx) {
      if (!ev.firstSegment) {
        throw new ConnectorError('PROTOCOL', `stream segment for transaction ${ev.xid} whose first segment never arrived`, { context: { xid: ev.xid } });
      }
      tx = this.store.create(ev.xid);
      this.open.set(ev.xid, tx);
    }
    this.current = tx;
  }

  stop(): void {
    this.current = null;
  }

  /** A change inside the current block. */
  data(ev: DataEvent): void {
    const tx = this.current;
    if (!tx) throw new ConnectorError('PROTOCOL', 'streamed change outside a stream block');
    tx.append(ev, ev.xid ?? tx.xid);
  }

  abort(ev: StreamAbortEvent): void {
    const tx = this.open.get(ev.xid);
    if (!tx) return; // aborted before any change of it reached us (nothing to drop)
    if (ev.subXid === ev.xid) {
      this.open.delete(ev.xid);
      this.logger.debug({ xid: ev.xid, changes: tx.changes, spilledBytes: tx.fileBytes }, 'streamed transaction aborted: its changes are dropped');
      tx.discard();
    } else {
      tx.abortSubtransaction(ev.subXid);
    }
  }

  /** The committed transaction's spill; the caller replays it, then discards it. */
  commit(ev: StreamCommitEvent): SpilledTx {
    const tx = this.open.get(ev.xid);
    if (!tx) {
      throw new ConnectorError('PROTOCOL', `Stream Commit for transaction ${ev.xid}, which was never streamed`, { context: { xid: ev.xid } });
    }
    this.open.delete(ev.xid);
    this.logger.info({ xid: ev.xid, changes: tx.changes, spilledBytes: tx.fileBytes },
      'streamed transaction committed: publishing the changes kept while it ran');
    return tx;
  }

  /** Drops every open transaction and the spill directory (the session ended). */
  close(): void {
    this.open.clear();
    this.current = null;
    this.store.close();
  }
}

/** What a replay feeds: the stream session's ordinary event path. */
export interface ReplayTarget {
  /** One event (begin, a change, commit) as if it had arrived from the server. */
  event(ev: ChangeEvent): void;
  /** True when no more records may be produced now (too many unacknowledged, or ending). */
  full(): boolean;
  /** Resolves true when more records may be produced, false when the session is ending. */
  room(): Promise<boolean>;
}

/**
 * Feeds a committed streamed transaction to `target` as Begin, its changes in order, Commit.
 * Resolves true when the Commit was fed; false when the session ended first (then no Commit was
 * fed, so nothing of the transaction can be confirmed). The spill is discarded either way.
 */
export async function replayCommitted(tx: SpilledTx, commit: StreamCommitEvent, target: ReplayTarget): Promise<boolean> {
  try {
    target.event({ kind: 'begin', xid: commit.xid, finalLsn: commit.commitLsn, commitTimeUs: commit.commitTimeUs });
    for await (const events of tx.read()) {
      for (const ev of events) {
        if (target.full() && !(await target.room())) return false;
        target.event(ev);
      }
    }
    if (target.full() && !(await target.room())) return false;
    target.event({ kind: 'commit', commitLsn: commit.commitLsn, endLsn: commit.endLsn, commitTimeUs: commit.commitTimeUs });
    return true;
  } finally {
    tx.discard();
  }
}

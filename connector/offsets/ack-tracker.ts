/**
 * The delivery rule (DESIGN.md): confirm to PostgreSQL only the end LSN of a commit whose
 * records, and the records of every earlier commit, have all been acknowledged by the broker —
 * the contiguous acked prefix, never "the latest ack".
 *
 * Every record the pipeline produces gets a sequence number in stream order. Acks arrive as
 * seq ranges [start, end) in any order; `ackedUpTo` is the length of the contiguous acked
 * prefix. A commit is confirmable once every record before its `seqEnd` is acked. When
 * nothing is in flight and no transaction is open, the keepalive's WAL end may be confirmed so
 * an idle (or fully filtered) slot does not pin WAL.
 */
import { Lsn } from '../protocol/lsn';

interface PendingCommit {
  /** All records with seq < seqEnd belong to this commit or earlier ones. */
  readonly seqEnd: number;
  readonly endLsn: Lsn;
}

export class AckTracker {
  private nextSeq = 0;
  private ackedUpTo = 0;
  /** Acked ranges beyond the contiguous prefix: start -> end. */
  private readonly ahead = new Map<number, number>();
  /** Commits not yet confirmable, in commit order. Drained from the head. */
  private readonly commits: PendingCommit[] = [];
  private commitHead = 0;
  private txOpen = false;
  private confirmedLsn: Lsn;
  private lastCommitEnd: Lsn;

  constructor(startLsn: Lsn) {
    this.confirmedLsn = startLsn;
    this.lastCommitEnd = startLsn;
  }

  /** The LSN that may be sent as `flush` in standby status updates. */
  get confirmed(): Lsn {
    return this.confirmedLsn;
  }

  /** Records handed out but not yet acknowledged (acks beyond a gap still count as in flight). */
  get inFlight(): number {
    return this.nextSeq - this.ackedUpTo;
  }

  get transactionOpen(): boolean {
    return this.txOpen;
  }

  begin(): void {
    this.txOpen = true;
  }

  /** Reserves `count` consecutive sequence numbers; returns the first. */
  reserve(count: number): number {
    const start = this.nextSeq;
    this.nextSeq += count;
    return start;
  }

  /** The transaction whose records were reserved so far ends at `endLsn`. */
  commit(endLsn: Lsn): void {
    this.txOpen = false;
    if (endLsn <= this.lastCommitEnd) return; // replayed or out-of-order commit: nothing new to confirm
    this.lastCommitEnd = endLsn;
    this.commits.push({ seqEnd: this.nextSeq, endLsn });
    this.advance();
  }

  /** The broker acknowledged records [start, end). */
  ack(start: number, end: number): void {
    if (end <= start) return;
    if (start === this.ackedUpTo) {
      this.ackedUpTo = end;
      for (let next = this.ahead.get(this.ackedUpTo); next !== undefined; next = this.ahead.get(this.ackedUpTo)) {
        this.ahead.delete(this.ackedUpTo);
        this.ackedUpTo = next;
      }
    } else if (start > this.ackedUpTo) {
      this.ahead.set(start, end);
      return;
    } else {
      throw new RangeError(`ack of [${start}, ${end}) overlaps the acked prefix ${this.ackedUpTo}`);
    }
    this.advance();
  }

  /**
   * A keepalive reported the server's WAL end. Everything the server sent before it has been
   * read; if none of it is still in flight and no transaction is open, it is safe to confirm.
   */
  idle(walEnd: Lsn): void {
    if (!this.caughtUp) return;
    if (walEnd > this.confirmedLsn) this.confirmedLsn = walEnd;
    if (walEnd > this.lastCommitEnd) this.lastCommitEnd = walEnd;
  }

  /** No transaction open, every record acknowledged, every commit confirmed. */
  get caughtUp(): boolean {
    return !this.txOpen && this.ackedUpTo === this.nextSeq && this.commitHead >= this.commits.length;
  }

  private advance(): void {
    while (this.commitHead < this.commits.length) {
      const c = this.commits[this.commitHead];
      if (c.seqEnd > this.ackedUpTo) break;
      if (c.endLsn > this.confirmedLsn) this.confirmedLsn = c.endLsn;
      this.commitHead++;
    }
    if (this.commitHead > 1024 && this.commitHead * 2 > this.commits.length) {
      this.commits.splice(0, this.commitHead);
      this.commitHead = 0;
    }
  }
}

/**
 * Local spill space for streamed in-progress transactions (pipeline/streamed-tx.ts).
 *
 * Each open transaction appends its encoded changes (spill-codec.ts) to an in-memory buffer of
 * its own, written to its file whenever it passes TX_BUFFER_MAX; and when the buffers of all
 * open transactions together pass `memoryBytes`, every buffer is written out. Memory therefore
 * stays under about min(`memoryBytes`, open transactions x TX_BUFFER_MAX) whatever the size of
 * the transactions; disk holds the rest. A transaction that stays small never touches disk.
 *
 * Buffers are reused, never reallocated per write or read: large short-lived Buffers outlive
 * V8's young generation while they fill, and would pile up in old space until a full GC (this
 * showed as +60 MB peak RSS on a 1M-row transaction).
 *
 * Disk is bounded too when `maxDiskBytes` > 0: a write that would take the spill files of all
 * open transactions together past it fails with SPILL_QUOTA (not retriable: the same
 * transaction would need the same space again), naming the transaction and both remedies.
 *
 * The directory belongs to one connector and holds nothing durable: a spill is only useful to
 * the session that wrote it (after a restart PostgreSQL streams the transaction again from its
 * start), so the directory is emptied when opened and removed when closed; a transaction's file
 * goes when it commits or aborts.
 */
import { closeSync, mkdirSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ConnectorError } from '../errors';
import type { DataEvent } from '../model/change';
import { BufferWriter } from '../protocol/writer';
import { SpillDecoder, SpillEncoder, type SpilledChange } from './spill-codec';

const INITIAL_BUFFER = 64 * 1024;
/** A transaction's buffer is written to its file beyond this many bytes. */
const TX_BUFFER_MAX = 256 * 1024;
/** Bytes read from a spill file per step of a replay. */
const READ_CHUNK = 1024 * 1024;
/**
 * Changes handed to the replay at a time. A whole 1 MiB chunk decoded at once (~4,000 changes,
 * several MB of objects) outlives a young-generation collection and is promoted to old space as
 * garbage-to-be; small slices die young.
 */
const YIELD_CHANGES = 256;

export class SpillStore {
  private readonly open = new Set<SpilledTx>();
  private buffered = 0;
  private seq = 0;
  /** Bytes in the files of open transactions. */
  private onDisk = 0;
  /** Bytes written to disk since the store opened (for logs and metrics). */
  bytesWritten = 0;

  private constructor(readonly dir: string, readonly memoryBytes: number, readonly maxDiskBytes: number) {}

  /**
   * Empties (or creates) `dir`: whatever a previous process left there is stale. `maxDiskBytes`
   * 0: no disk quota.
   */
  static open(dir: string, memoryBytes: number, maxDiskBytes = 0): SpillStore {
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw spillError(`cannot prepare the spill directory ${dir}`, e, dir);
    }
    return new SpillStore(dir, memoryBytes, maxDiskBytes);
  }

  /** Starts the spill of one transaction. */
  create(xid: number): SpilledTx {
    const tx = new SpilledTx(this, xid, join(this.dir, `${xid}-${++this.seq}.spill`));
    this.open.add(tx);
    return tx;
  }

  /** Bytes held in memory by all open transactions. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** @internal SpilledTx reports its buffer growth; past the budget every buffer goes to disk. */
  grew(delta: number): void {
    this.buffered += delta;
    if (this.buffered > this.memoryBytes) for (const tx of this.open) tx.flush();
  }

  /** @internal A transaction's file grew by `n` bytes. */
  wrote(n: number): void {
    this.onDisk += n;
    this.bytesWritten += n;
  }

  /** Bytes in the spill files of open transactions. */
  get diskBytes(): number {
    return this.onDisk;
  }

  /** @internal SpilledTx asks before writing `n` more bytes to its file; throws past the quota. */
  checkDisk(tx: SpilledTx, n: number): void {
    if (this.maxDiskBytes > 0 && this.onDisk + n > this.maxDiskBytes) {
      throw new ConnectorError('SPILL_QUOTA',
        `streamed in-progress transactions need more than source.streamSpillMaxBytes (${this.maxDiskBytes} bytes) of local disk in ${this.dir}: `
        + `transaction ${tx.xid} has ${tx.changes} changes so far and the open transactions hold ${this.onDisk} bytes on disk. `
        + 'Raise source.streamSpillMaxBytes (the disk must have that much room), or set source.streamInProgress = false so that PostgreSQL keeps such transactions on its own disk until COMMIT',
        { context: { spillDir: this.dir, xid: tx.xid, spillBytes: this.onDisk, maxBytes: this.maxDiskBytes } });
    }
  }

  /** @internal */
  released(tx: SpilledTx, buffered: number): void {
    this.buffered -= buffered;
    this.onDisk -= tx.fileBytes;
    this.open.delete(tx);
  }

  /** Discards every open transaction and removes the directory. */
  close(): void {
    for (const tx of [...this.open]) tx.discard();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class SpilledTx {
  private writer = new BufferWriter(INITIAL_BUFFER);
  private readonly encoder = new SpillEncoder();
  private fd: number | null = null;
  private discarded = false;
  private readonly abortedSubXids = new Set<number>();
  /** Bytes in the file. */
  fileBytes = 0;
  /** Changes appended (aborted subtransactions included). */
  changes = 0;

  constructor(private readonly store: SpillStore, readonly xid: number, readonly path: string) {}

  append(ev: DataEvent, subXid: number): void {
    if (this.discarded) throw new ConnectorError('STATE', `append to the discarded spill of xid ${this.xid}`);
    const before = this.writer.length;
    this.encoder.encode(this.writer, ev, subXid);
    this.changes++;
    this.store.grew(this.writer.length - before);
    if (this.writer.length >= TX_BUFFER_MAX) this.flush();
  }

  /** A subtransaction rolled back: its changes are skipped when the transaction is read. */
  abortSubtransaction(subXid: number): void {
    this.abortedSubXids.add(subXid);
  }

  /** Writes the in-memory buffer to the file. */
  flush(): void {
    const n = this.writer.length;
    if (n === 0 || this.discarded) return;
    this.store.checkDisk(this, n);
    try {
      this.fd ??= openSync(this.path, 'w+', 0o600);
      const view = this.writer.view();
      for (let off = 0; off < n;) off += writeSync(this.fd, view, off, n - off);
    } catch (e) {
      throw spillError(`cannot write the spill of transaction ${this.xid} to ${this.path}`, e, this.store.dir);
    }
    this.fileBytes += n;
    this.store.wrote(n);
    this.writer.reset();
    this.store.grew(-n);
  }

  /**
   * The transaction's changes in order, in arrays of at most YIELD_CHANGES, without those of
   * aborted subtransactions. Nothing may be appended while reading.
   */
  async *read(): AsyncGenerator<DataEvent[]> {
    const decoder = new SpillDecoder();
    const take = (changes: SpilledChange[]): DataEvent[] => {
      const out: DataEvent[] = [];
      for (const c of changes) if (!this.abortedSubXids.has(c.xid)) out.push(c.event);
      return out;
    };
    if (this.fileBytes > 0) {
      const handle = await open(this.path, 'r').catch((e: unknown) => { throw spillError(`cannot read the spill ${this.path}`, e, this.store.dir); });
      try {
        // One buffer for the whole read: the unread tail of a chunk (a record continuing in the
        // next) moves to its start; it grows only for a record larger than itself.
        let buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, this.fileBytes));
        let carry = 0;
        let position = 0;
        while (position < this.fileBytes) {
          if (carry === buf.length) {
            const bigger = Buffer.allocUnsafe(buf.length * 2);
            buf.copy(bigger, 0, 0, carry);
            buf = bigger;
          }
          const want = Math.min(buf.length - carry, this.fileBytes - position);
          const { bytesRead } = await handle.read(buf, carry, want, position);
          if (bytesRead === 0) throw new ConnectorError('STATE', `spill ${this.path} ended at ${position} of ${this.fileBytes} bytes`);
          position += bytesRead;
          const filled = carry + bytesRead;
          let used = 0;
          for (;;) {
            const changes: SpilledChange[] = [];
            used += decoder.decodeAll(buf.subarray(used, filled), changes, YIELD_CHANGES);
            const events = take(changes);
            if (events.length > 0) yield events;
            if (changes.length < YIELD_CHANGES) break; // the rest of the chunk is an incomplete record
          }
          buf.copy(buf, 0, used, filled);
          carry = filled - used;
        }
        if (carry > 0) throw new ConnectorError('STATE', `spill ${this.path} ends inside a record`);
      } finally {
        await handle.close();
      }
    }
    const tail = this.writer.view();
    let used = 0;
    for (;;) {
      const changes: SpilledChange[] = [];
      used += decoder.decodeAll(tail.subarray(used), changes, YIELD_CHANGES);
      const events = take(changes);
      if (events.length > 0) yield events;
      if (changes.length < YIELD_CHANGES) break;
    }
    if (used !== tail.length) throw new ConnectorError('STATE', `spill buffer of transaction ${this.xid} ends inside a record`);
  }

  /** Drops the buffer and the file (after commit or abort). */
  discard(): void {
    if (this.discarded) return;
    this.discarded = true;
    this.store.released(this, this.writer.length);
    this.writer = new BufferWriter(0);
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
      try { unlinkSync(this.path); } catch { /* the store's directory removal covers it */ }
    }
  }
}

function spillError(message: string, cause: unknown, dir: string): ConnectorError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  // A full disk: the restart would replay the same transaction into the same disk and fail at
  // the same place, over and over. Stop once, saying what to change.
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ConnectorError('SPILL_QUOTA',
      `${message}: the disk of ${dir} is full (${reason}). Streamed in-progress transactions are kept there until their COMMIT: `
      + 'give the directory (offsets.stateDir) more room and set source.streamSpillMaxBytes below it, or set source.streamInProgress = false '
      + 'so that PostgreSQL keeps such transactions on its own disk until COMMIT',
      { cause, context: { spillDir: dir } });
  }
  return new ConnectorError('STATE', `${message}: ${reason}`, { cause, retriable: true, context: { spillDir: dir } });
}

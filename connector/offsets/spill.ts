/**
 * Local spill space for streamed in-progress transactions (pipeline/streamed-tx.ts).
 *
 * Each open transaction appends its encoded changes (spill-codec.ts) to an in-memory buffer;
 * when the buffers of all open transactions together pass `memoryBytes`, every buffer is
 * written to that transaction's file and emptied. Memory therefore stays under about
 * `memoryBytes` whatever the size or number of the transactions; disk holds the rest.
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
import type { DataEvent } from '../decode/change';
import { BufferWriter } from '../protocol/writer';
import { SpillDecoder, SpillEncoder, type SpilledChange } from './spill-codec';

const INITIAL_BUFFER = 64 * 1024;
/** Bytes read from a spill file per step of a replay. */
const READ_CHUNK = 1024 * 1024;

export class SpillStore {
  private readonly open = new Set<SpilledTx>();
  private buffered = 0;
  private seq = 0;
  /** Bytes written to disk since the store opened (for logs and metrics). */
  bytesWritten = 0;

  private constructor(readonly dir: string, readonly memoryBytes: number) {}

  /** Empties (or creates) `dir`: whatever a previous process left there is stale. */
  static open(dir: string, memoryBytes: number): SpillStore {
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw spillError(`cannot prepare the spill directory ${dir}`, e, dir);
    }
    return new SpillStore(dir, memoryBytes);
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

  /** @internal */
  released(tx: SpilledTx, buffered: number): void {
    this.buffered -= buffered;
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
  }

  /** A subtransaction rolled back: its changes are skipped when the transaction is read. */
  abortSubtransaction(subXid: number): void {
    this.abortedSubXids.add(subXid);
  }

  /** Writes the in-memory buffer to the file. */
  flush(): void {
    const n = this.writer.length;
    if (n === 0 || this.discarded) return;
    try {
      this.fd ??= openSync(this.path, 'w+', 0o600);
      const view = this.writer.view();
      for (let off = 0; off < n;) off += writeSync(this.fd, view, off, n - off);
    } catch (e) {
      throw spillError(`cannot write the spill of transaction ${this.xid} to ${this.path}`, e, this.store.dir);
    }
    this.fileBytes += n;
    this.store.bytesWritten += n;
    this.writer = new BufferWriter(INITIAL_BUFFER);
    this.store.grew(-n);
  }

  /**
   * The transaction's changes in order, in arrays of about 1 MiB encoded, without those of
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
        let carry: Buffer = Buffer.alloc(0);
        let position = 0;
        while (position < this.fileBytes) {
          const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, this.fileBytes - position));
          const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
          if (bytesRead === 0) throw new ConnectorError('STATE', `spill ${this.path} ended at ${position} of ${this.fileBytes} bytes`);
          position += bytesRead;
          const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
          const changes: SpilledChange[] = [];
          const used = decoder.decodeAll(data, changes);
          carry = data.subarray(used);
          const events = take(changes);
          if (events.length > 0) yield events;
        }
        if (carry.length > 0) throw new ConnectorError('STATE', `spill ${this.path} ends inside a record`);
      } finally {
        await handle.close();
      }
    }
    const changes: SpilledChange[] = [];
    const tail = this.writer.view();
    if (decoder.decodeAll(tail, changes) !== tail.length) throw new ConnectorError('STATE', `spill buffer of transaction ${this.xid} ends inside a record`);
    const events = take(changes);
    if (events.length > 0) yield events;
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
  return new ConnectorError('STATE', `${message}: ${reason}`, { cause, retriable: true, context: { spillDir: dir } });
}

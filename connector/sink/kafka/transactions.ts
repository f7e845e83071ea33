/**
 * Exactly-once (KIP-618 style, as Kafka Connect does for source connectors): the at-least-once
 * rule plus Kafka transactions.
 *
 * - One transactional.id per connector (`sink.kafka.transactionalId`, default
 *   `walcast-<name>-<slot>`). start() initialises it (InitProducerId): the broker bumps the
 *   epoch, aborts a transaction an earlier incarnation left open, and fences that incarnation
 *   (its next transactional request fails with PRODUCER_FENCED / INVALID_PRODUCER_EPOCH).
 * - Then the offset record is read with read_committed (committed-reader.ts): key
 *   `<name>.offset` in `offsets.topic`, value
 *   `{"version":1,"slot","commitLsn","endLsn","committedAt","snapshot"?}` (snapshot: the
 *   progress of a snapshot being taken, see snapshot/resume.ts).
 * - Records go out inside a transaction; at a checkpoint (the end of whole PostgreSQL
 *   transactions, or of a snapshot batch) the offset record is added and the transaction
 *   committed. Snapshot checkpoints repeat the last stream offset and carry the snapshot's
 *   progress; the first stream checkpoint drops it.
 * - Any failure aborts the open transaction (best effort: a fenced producer cannot) and fails
 *   the send; the pipeline restarts from the slot, and the new producer's InitProducerId aborts
 *   whatever is still open.
 */
import type { AdminOptions, MessageToProduce, Producer } from '@platformatic/kafka';
import { formatLsn, parseLsn } from '../../protocol/lsn';
import type { CommittedOffset, SinkCheckpoint } from '../../model/record';
import { readLastValue, type ReadStats } from './committed-reader';

export interface ExactlyOnceOptions {
  readonly transactionalId: string;
  /** The compacted state topic (`offsets.topic`). */
  readonly offsetsTopic: string;
  /** The offset record's key: `<name>.offset` (connector names hold no dot). */
  readonly offsetKey: string;
  readonly slot: string;
}

type WalcastProducer = Producer<Buffer, Buffer, Buffer, Buffer>;
type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;
/** The library does not export its Transaction class from the package root; its type is what beginTransaction() resolves to. */
type Transaction = Awaited<ReturnType<WalcastProducer['beginTransaction']>>;

export function offsetKeyOf(name: string): string {
  return `${name}.offset`;
}

type SnapshotProgress = Readonly<Record<string, unknown>>;

/** What an offset record holds. */
export interface OffsetRecord {
  readonly offset: CommittedOffset | null;
  /** Progress of a snapshot being taken; null once a stream checkpoint was committed. */
  readonly snapshot: SnapshotProgress | null;
}

export function encodeOffset(slot: string, record: OffsetRecord, now = new Date()): Buffer {
  const { offset, snapshot } = record;
  return Buffer.from(JSON.stringify({
    version: 1,
    slot,
    commitLsn: offset ? formatLsn(offset.commitLsn) : null,
    endLsn: offset ? formatLsn(offset.endLsn) : null,
    committedAt: now.toISOString(),
    ...(snapshot ? { snapshot } : {}),
  }));
}

/** An offset record's content; empty when there is none, or it names another slot. */
export function decodeOffset(value: Buffer | null, slot: string): OffsetRecord {
  const none: OffsetRecord = { offset: null, snapshot: null };
  if (value === null || value.length === 0) return none;
  const parsed = JSON.parse(value.toString('utf8')) as { version?: unknown; slot?: unknown; commitLsn?: unknown; endLsn?: unknown; snapshot?: unknown };
  if (parsed.version !== 1) throw new Error(`unknown offset record version ${String(parsed.version)}`);
  if (parsed.slot !== slot) return none;
  const offset = typeof parsed.commitLsn === 'string' && typeof parsed.endLsn === 'string'
    ? { commitLsn: parseLsn(parsed.commitLsn), endLsn: parseLsn(parsed.endLsn) }
    : null;
  const snapshot = typeof parsed.snapshot === 'object' && parsed.snapshot !== null ? parsed.snapshot as SnapshotProgress : null;
  return { offset, snapshot };
}

/** The last committed offset record of `options.offsetKey` (read_committed). */
export async function readCommittedOffset(client: AdminOptions, options: ExactlyOnceOptions, timeoutMs: number, stats?: ReadStats): Promise<OffsetRecord> {
  return decodeOffset(await readLastValue(client, options.offsetsTopic, options.offsetKey, timeoutMs, stats), options.slot);
}

/**
 * InitProducerId for the transactional.id of `producer`: fences every earlier producer of it and
 * aborts a transaction one left open. Leaves no transaction open.
 *
 * The producer id and epoch are passed as -1 ("a new producer"): the library's default is 0/0,
 * which the coordinator takes as "I am producer 0, epoch 0" and answers PRODUCER_FENCED once the
 * transactional.id belongs to another producer id or epoch (every start after the first).
 */
export async function initTransactions(producer: WalcastProducer): Promise<void> {
  const init = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
  await init.cancel();
}

/** The producer's transactions: one open at a time, committed at checkpoints. */
export class Transactions {
  private open: Transaction | null = null;
  private offset: CommittedOffset | null;
  private snapshot: SnapshotProgress | null;
  /** send() calls running (their library requests may be in flight). */
  private calls = 0;

  constructor(private readonly producer: WalcastProducer, private readonly options: ExactlyOnceOptions, committed: OffsetRecord) {
    this.offset = committed.offset;
    this.snapshot = committed.snapshot;
  }

  /** The offset of the last commit (or as read at start). */
  get committed(): CommittedOffset | null {
    return this.offset;
  }

  /** The snapshot progress of the last commit (or as read at start). */
  get committedSnapshot(): SnapshotProgress | null {
    return this.snapshot;
  }

  get inTransaction(): boolean {
    return this.open !== null;
  }

  /** Sends `messages` in the open transaction (beginning one), committing at a checkpoint. */
  async send(messages: Message[], checkpoint: SinkCheckpoint | undefined): Promise<void> {
    this.calls += 1;
    let done = false;
    try {
      await this.sendAndCommit(messages, checkpoint);
      done = true;
    } finally {
      this.calls -= 1;
      // Any failure aborts what this transaction sent (the error propagates).
      if (!done) await this.abort();
    }
  }

  private async sendAndCommit(messages: Message[], checkpoint: SinkCheckpoint | undefined): Promise<void> {
    if (messages.length > 0) {
      this.open ??= await this.producer.beginTransaction();
      await this.open.send({ messages });
    }
    if (checkpoint === undefined || this.open === null) return;
    // A stream checkpoint ends the snapshot's business; a snapshot one keeps the stream offset.
    const next: OffsetRecord = checkpoint.lsn
      ? { offset: checkpoint.lsn, snapshot: null }
      : { offset: this.offset, snapshot: checkpoint.snapshot ?? this.snapshot };
    await this.open.send({ messages: [{ topic: this.options.offsetsTopic, partition: 0, key: Buffer.from(this.options.offsetKey), value: encodeOffset(this.options.slot, next) }] });
    await this.open.commit();
    this.open = null;
    this.offset = next.offset;
    this.snapshot = next.snapshot;
  }

  /**
   * Aborts the open transaction, if any; never rejects (a fenced producer cannot abort).
   *
   * Not while a send() of ours is still running (a stop() after a delivery timeout): ending the
   * transaction under a produce in flight clears the library's transaction, and a produce that
   * then fails with UNKNOWN_PRODUCER_ID or OUT_OF_ORDER_SEQUENCE_NUMBER is recovered by the
   * library as a plain idempotent send (Producer #performSingleDestinationSend checks
   * `!this.#transaction` at that moment): its records would be written outside any transaction,
   * visible to read_committed consumers and sent again after the restart. Left open instead, the
   * transaction is aborted by the next producer's InitProducerId (or the transaction timeout).
   */
  async abort(): Promise<void> {
    if (this.calls > 0) return;
    const tx = this.open;
    this.open = null;
    if (!tx || tx.completed) return;
    await tx.abort().catch(() => tx.cancel().catch(() => undefined));
  }
}

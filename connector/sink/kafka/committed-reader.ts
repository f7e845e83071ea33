/**
 * Reads one partition from its start up to its last stable offset as a read_committed consumer
 * sees it: records of aborted transactions are dropped, control batches (commit/abort markers)
 * advance the position but are not records.
 *
 * Why not the library's filter: @platformatic/kafka 2.12 filters aborted records with one range
 * per producer id per fetch response (its Consumer #filterUncommittedMessages). After a kill and
 * restart every transaction of a transactional.id has the same producer id, so a response
 * holding two aborted ones lets the first one's records through, a transaction whose abort
 * marker lies beyond the response is not filtered at all, and an abort marker without a listed
 * transaction of its own drops the committed transactions before it (raw-fetch.ts). Its stream
 * also ends a partition only at a record, while the last entry of a transactional partition is a
 * marker. So this reader fetches with the consumer's public fetch(), takes each response's
 * batches as the broker sent them (RawFetchConsumer, raw-fetch.ts), and filters them as the Java
 * consumer does (test/unit/sink/kafka/committed-reader.test.ts checks the filter):
 *   - the broker lists the aborted transactions (producer id, first offset) that overlap the
 *     fetched range;
 *   - walking batches in offset order, a producer becomes "aborting" at the first offset of
 *     one of its aborted transactions, and stops at its ABORT marker;
 *   - a transactional batch of an aborting producer is dropped.
 *
 * Where a read ends by default: the high watermark as of the call, not the last stable offset.
 * The stable offset stops at the first record of ANY open transaction in the partition, and the
 * offsets topic is shared (`offsets.topic`, default walcast.state, one record per connector):
 * another connector's transaction holding partition 0 open (killed between its offset record and
 * its commit: open until its transaction timeout) would hide every record committed after its
 * first one, and an exactly-once start would read a stale offset and send again what Kafka has.
 * So the read goes on (read_committed fetches return nothing past the stable offset) until the
 * stable offset passes the high watermark taken at the start, or fails after `stallMs` saying
 * which transaction holds it.
 */
import { FetchIsolationLevels, IS_CONTROL, IS_TRANSACTIONAL, ListOffsetTimestamps, type RecordsBatch } from '@platformatic/kafka';
import type { AdminOptions } from '@platformatic/kafka';
import { RawFetchConsumer, rawBatches } from './raw-fetch';

export interface CommittedRecord {
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [Buffer | null, Buffer | null]>;
}

export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** Control record key: version (int16), type (int16: 0 abort, 1 commit). */
function isAbortMarker(batch: RecordsBatch): boolean {
  const key = batch.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === 0;
}

/**
 * What a read saw, for the log line of an exactly-once start: where it read, how many records
 * it delivered and dropped as aborted, the aborted transactions the broker listed (the first
 * few) and the offset of the record it kept last (readLastValue). A start that reads a stale
 * offset sends again what Kafka has; these say whether the record was there and why it was not
 * kept.
 */
export interface ReadStats {
  from: string;
  to: string;
  delivered: number;
  droppedAsAborted: number;
  /** `<producerId>@<firstOffset>`, at most MAX_ABORTED_LISTED. */
  aborted: string[];
  /** readLastValue: the offset of the record whose value it returns ('' when none). */
  kept: string;
}

const MAX_ABORTED_LISTED = 8;

export function newReadStats(): ReadStats {
  return { from: '', to: '', delivered: 0, droppedAsAborted: 0, aborted: [], kept: '' };
}

/** The committed records of `batches` (one fetch response of one partition), in offset order. */
export function committedRecords(batches: readonly RecordsBatch[], aborted: readonly AbortedTransaction[], stats?: ReadStats): CommittedRecord[] {
  const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const aborting = new Set<bigint>();
  const out: CommittedRecord[] = [];
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (pending.length > 0 && pending[0]!.firstOffset <= last) aborting.add(pending.shift()!.producerId);
    if (batch.attributes & IS_CONTROL) {
      if (isAbortMarker(batch)) aborting.delete(batch.producerId);
      continue;
    }
    if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && aborting.has(batch.producerId)) {
      if (stats) stats.droppedAsAborted += batch.records.length;
      continue;
    }
    for (const r of batch.records) {
      out.push({ offset: batch.firstOffset + BigInt(r.offsetDelta), key: r.key, value: r.value, headers: r.headers });
    }
  }
  return out;
}

export interface ReadCommittedOptions {
  /**
   * Exclusive end offset; default: the partition's high watermark as of the call (the read waits
   * for transactions open below it to end, see the file comment).
   */
  readonly end?: bigint;
  /** Fails the read when it made no progress for this long. */
  readonly stallMs: number;
  /** Filled in as the read goes. */
  readonly stats?: ReadStats;
}

/**
 * Every committed record of `topic` partition `partition` from its log start up to `end`.
 * `onRecord` sees them in offset order; a returned promise is awaited before the next record.
 * Resolves with the number of records delivered.
 */
export async function readCommitted(
  client: AdminOptions,
  topic: string,
  partition: number,
  onRecord: (r: CommittedRecord) => void | Promise<void>,
  options: ReadCommittedOptions,
): Promise<number> {
  const consumer = new RawFetchConsumer({
    ...client,
    // Never joins: fetch() and listOffsets() need no group membership.
    groupId: `walcast-committed-reader-${process.pid}-${Date.now()}`,
    autocommit: false,
  });
  let deadline = Date.now() + options.stallMs;
  let delivered = 0;
  try {
    const partitions = { [topic]: [partition] };
    const start = (await consumer.listOffsets({ topics: [topic], partitions, timestamp: ListOffsetTimestamps.EARLIEST })).get(topic)?.[partition] ?? 0n;
    // LATEST under read_uncommitted is the high watermark: every record stored so far, open
    // transactions included (the consumer's default isolation is read_committed: name it).
    const end = options.end
      ?? (await consumer.listOffsets({ topics: [topic], partitions, isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED })).get(topic)?.[partition] ?? 0n;
    const stats = options.stats;
    if (stats) {
      stats.from = String(start);
      stats.to = String(end);
    }
    let next = start;
    let stable: bigint | undefined;
    while (next < end) {
      if (Date.now() > deadline) {
        const held = stable !== undefined && stable <= next
          ? `: a transaction open since offset ${stable} holds the last stable offset (another producer's, killed before its commit or abort? the broker aborts it after its transaction timeout)`
          : '';
        throw new Error(`no progress for ${options.stallMs} ms at offset ${next} of ${topic}/${partition} (end ${end})${held}`);
      }
      const metadata = await consumer.metadata({ topics: [topic], forceUpdate: next !== start });
      const t = metadata.topics.get(topic);
      const leader = t?.partitions[partition]?.leader;
      if (!t || leader === undefined || leader < 0) throw new Error(`${topic}/${partition} has no leader`);
      const response = await consumer.fetch({
        node: leader,
        topics: [{ topicId: t.id, partitions: [{ partition, fetchOffset: next, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 8 * 1024 * 1024 }] }],
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes: 8 * 1024 * 1024,
      });
      const p = response.responses[0]?.partitions.find((x) => x.partitionIndex === partition);
      stable = p?.lastStableOffset;
      const batches = p ? rawBatches(p) : [];
      const aborted = p?.abortedTransactions ?? [];
      if (stats) {
        for (const a of aborted) {
          const name = `${a.producerId}@${a.firstOffset}`;
          if (stats.aborted.length < MAX_ABORTED_LISTED && !stats.aborted.includes(name)) stats.aborted.push(name);
        }
      }
      for (const r of committedRecords(batches, aborted, stats)) {
        if (r.offset < next || r.offset >= end) continue;
        delivered++;
        const pending = onRecord(r);
        if (pending) await pending;
      }
      const lastBatch = batches[batches.length - 1];
      if (lastBatch) {
        next = lastBatch.firstOffset + BigInt(lastBatch.lastOffsetDelta) + 1n;
        deadline = Date.now() + options.stallMs;
      }
    }
    if (stats) stats.delivered = delivered;
    return delivered;
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
}

/**
 * The value of the last committed record of `key` in partition 0 of `topic` (read_committed, up
 * to its high watermark now, once no transaction below it is open); null when there is none or
 * it is empty (a tombstone).
 */
export async function readLastValue(client: AdminOptions, topic: string, key: string, timeoutMs: number, stats?: ReadStats): Promise<Buffer | null> {
  let last: Buffer | null = null;
  await readCommitted(client, topic, 0, (r) => {
    if (r.key?.toString('utf8') !== key) return;
    last = r.value && r.value.length > 0 ? r.value : null;
    if (stats) stats.kept = String(r.offset);
  }, { stallMs: timeoutMs, stats });
  return last;
}

/**
 * Reads a topic from its beginning up to given end offsets, once, for the re-snapshot's delete
 * pass (pipeline/delete-missing.ts): `topicEnds` takes each partition's end (read_committed: the
 * last stable offset, so records of open or aborted transactions are never counted), then
 * `readTopicUpTo` delivers every committed record below those ends in offset order per
 * partition and stops.
 *
 * Each partition is read with committed-reader.ts (fetch, filtered the way Kafka's Java
 * read_committed consumer filters): the library's read_committed filter lets the first of two
 * aborted transactions through and can drop committed ones (raw-fetch.ts). A record of an
 * aborted transaction would add a key the topic never committed (a spurious delete), and a
 * committed record dropped would take away one it holds (a missed delete). A partition is done when the next
 * fetch offset (past control records and compacted-away offsets too) reached its end, so a
 * partition whose last offsets are transaction markers, or that compaction emptied, still
 * finishes. Records appended after the end are skipped.
 */
import { randomUUID } from 'node:crypto';
import { Consumer, FetchIsolationLevels } from '@platformatic/kafka';
import type { KafkaOptions } from './options';
import { ConnectorError } from '../../errors';
import { describeError } from './client-errors';
import { DEFAULT_KAFKA_RETRY, clientOptions } from './client-options';
import { readCommitted, type CommittedRecord } from './committed-reader';

export interface TopicRecord {
  readonly partition: number;
  readonly offset: bigint;
  /** null for a keyless record. */
  readonly key: Buffer | null;
  /** null for a tombstone. */
  readonly value: Buffer | null;
  /** The `op` header walcast writes (c, u, d, r, t, m); null when absent. */
  readonly op: string | null;
}

type KeyConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

function newConsumer(kafka: KafkaOptions, purpose: string): KeyConsumer {
  return new Consumer<Buffer, Buffer, Buffer, Buffer>({
    ...clientOptions(kafka, DEFAULT_KAFKA_RETRY),
    clientId: `${kafka.clientId}-${purpose}`,
    groupId: `walcast-${purpose}-${randomUUID()}`,
    autocommit: false,
    maxWaitTime: 200,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
}

/** Each topic's end offset per partition (index = partition), read_committed. */
export async function topicEnds(kafka: KafkaOptions, topics: readonly string[]): Promise<Map<string, readonly bigint[]>> {
  if (topics.length === 0) return new Map();
  const consumer = newConsumer(kafka, 'topic-ends');
  try {
    const offsets = await consumer.listOffsets({ topics: [...topics], isolationLevel: FetchIsolationLevels.READ_COMMITTED });
    return new Map(topics.map((t) => [t, offsets.get(t) ?? []]));
  } catch (e) {
    throw new ConnectorError('SINK_CONNECT', `cannot read the end offsets of ${topics.length} topic(s): ${describeError(e)}`, { cause: e });
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
}

export interface ReadTopicOptions {
  readonly kafka: KafkaOptions;
  readonly topic: string;
  /** End offset per partition (exclusive); records at or beyond it are not delivered. */
  readonly ends: readonly bigint[];
  /** Called per record, in offset order per partition; a returned promise pauses the read until it settles. */
  readonly onRecord: (record: TopicRecord) => void | Promise<void>;
  /** Fails the read when no partition advanced for this long. Default 60 s. */
  readonly stallMs?: number;
}

function opHeader(headers: CommittedRecord['headers']): string | null {
  for (const [k, v] of headers) if (k?.toString() === 'op') return v ? v.toString() : null;
  return null;
}

/** Reads `topic` up to `ends`; resolves with the number of records delivered. */
export async function readTopicUpTo(options: ReadTopicOptions): Promise<number> {
  const { topic, ends, kafka } = options;
  const client = { ...clientOptions(kafka, DEFAULT_KAFKA_RETRY), clientId: `${kafka.clientId}-key-reader` };
  let delivered = 0;
  try {
    for (const [partition, end] of ends.entries()) {
      if (end <= 0n) continue;
      delivered += await readCommitted(client, topic, partition, (r) => options.onRecord({
        partition, offset: r.offset,
        key: r.key && r.key.length > 0 ? r.key : null,
        value: r.value && r.value.length > 0 ? r.value : null,
        op: opHeader(r.headers),
      }), { end, stallMs: options.stallMs ?? 60_000 });
    }
    return delivered;
  } catch (e) {
    if (e instanceof ConnectorError) throw e;
    throw new ConnectorError('SINK_CONNECT', `cannot read topic "${topic}": ${describeError(e)}`, { cause: e, context: { topic } });
  }
}

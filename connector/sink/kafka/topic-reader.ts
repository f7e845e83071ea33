/**
 * Reads a topic from its beginning up to given end offsets, once, for the re-snapshot's delete
 * pass (pipeline/delete-missing.ts): `topicEnds` takes each partition's end (read_committed: the
 * last stable offset, so records of open or aborted transactions are never counted), then
 * `readTopicUpTo` delivers every committed record below those ends in offset order per
 * partition and stops.
 *
 * It consumes with a throwaway consumer group (nothing is committed; every read starts at the
 * earliest offset). A partition is done when the stream's next fetch offset (which moves past
 * control records and compacted-away offsets too, unlike the offsets of delivered records)
 * reached its end; so a partition whose last offsets are transaction markers, or that compaction
 * emptied, still finishes. Records appended after the end are skipped.
 */
import { randomUUID } from 'node:crypto';
import { Consumer, FetchIsolationLevels, MessagesStreamModes, type Message } from '@platformatic/kafka';
import type { KafkaOptions } from './options';
import { ConnectorError } from '../../errors';
import { describeError } from './client-errors';
import { DEFAULT_KAFKA_RETRY, clientOptions } from './client-options';

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

function opHeader(m: Message<Buffer, Buffer, Buffer, Buffer>): string | null {
  for (const [k, v] of m.headers) if (k?.toString() === 'op') return v ? v.toString() : null;
  return null;
}

/** Reads `topic` up to `ends`; resolves with the number of records delivered. */
export async function readTopicUpTo(options: ReadTopicOptions): Promise<number> {
  const { topic, ends } = options;
  const wanted = ends.flatMap((end, partition) => (end > 0n ? [{ key: `${topic}:${partition}`, end }] : []));
  if (wanted.length === 0) return 0;
  const consumer = newConsumer(options.kafka, 'key-reader');
  try {
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
    try {
      return await new Promise<number>((resolve, reject) => {
        let delivered = 0;
        let busy = false;
        let settled = false;
        let progress = '';
        const stallMs = options.stallMs ?? 60_000;
        const finish = (error: unknown): void => {
          if (settled) return;
          settled = true;
          clearInterval(watchdog);
          if (error === null) resolve(delivered); else reject(error);
        };
        const reached = (): boolean => wanted.every((w) => (stream.offsetsToFetch.get(w.key) ?? -1n) >= w.end);
        const check = (): void => {
          if (!settled && !busy && stream.readableLength === 0 && reached()) finish(null);
        };
        let lastMove = Date.now();
        const watchdog = setInterval(() => {
          const now = wanted.map((w) => String(stream.offsetsToFetch.get(w.key) ?? -1n)).join(',');
          if (now !== progress || busy) { progress = now; lastMove = Date.now(); return; }
          if (Date.now() - lastMove > stallMs) {
            finish(new Error(`no progress for ${stallMs} ms at offsets ${now} (ends ${ends.join(',')})`));
          }
        }, Math.min(1000, stallMs));
        stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
          if (settled) return;
          const end = ends[m.partition];
          if (end === undefined || m.offset >= end) return;
          delivered++;
          let pending: void | Promise<void>;
          try {
            pending = options.onRecord({
              partition: m.partition, offset: m.offset,
              key: m.key && m.key.length > 0 ? m.key : null,
              value: m.value && m.value.length > 0 ? m.value : null,
              op: opHeader(m),
            });
          } catch (e) {
            finish(e);
            return;
          }
          if (pending instanceof Promise) {
            busy = true;
            stream.pause();
            pending.then(() => { busy = false; if (!settled) stream.resume(); check(); }, finish);
          }
        });
        stream.on('fetch', check);
        stream.on('offsets', check);
        stream.on('error', finish);
        check();
      });
    } finally {
      await stream.close().catch(() => undefined);
    }
  } catch (e) {
    if (e instanceof ConnectorError) throw e;
    throw new ConnectorError('SINK_CONNECT', `cannot read topic "${topic}": ${describeError(e)}`, { cause: e, context: { topic } });
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
}

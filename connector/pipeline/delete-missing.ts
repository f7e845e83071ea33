/**
 * The re-snapshot's delete pass (`snapshot.deleteMissing`, Kafka only). A snapshot publishes an
 * op 'r' for every row the table has, but says nothing about rows the table lost while walcast
 * could not see it (the slot was dropped or invalidated, and `when_needed` re-snapshots): their
 * last record in the topic stays a create or update, and a compacted topic keeps them forever.
 * This pass emits a delete (and a tombstone when tombstones are on) for every key the topic held
 * before the snapshot and the snapshot did not produce.
 *
 * 1. Before the snapshot publishes anything: every table topic's end offsets (E0).
 * 2. The snapshot runs and every row is acknowledged; the end offsets again (E1). Nothing else
 *    writes the topics meanwhile (streaming starts after this pass; the slot lock keeps other
 *    instances out), so [E0, E1) holds exactly this snapshot's records.
 * 3. Per table, one at a time: read the topic up to E1. Below E0 the last record per key counts:
 *    a key whose last record is a tombstone or a delete is absent, any other present. From E0 on
 *    every key is one the snapshot produced: absent. What remains are the keys to delete.
 * 4. Read the topic up to E0 again and, at the first record of each remaining key, publish the
 *    delete with that key's bytes; then wait for every ack.
 *
 * Keys are compared by their bytes, so a key format that changed between the runs (another
 * converter, messageKeyColumns changed) makes every old key "missing": its rows get a delete
 * under the old key, while the snapshot wrote them under the new one.
 *
 * Memory: a KeyHashSet of 64-bit key hashes, about 16 bytes per distinct live key of the largest
 * table's topic (one table at a time), plus the consumer's fetch buffers. Two keys sharing a hash
 * (about n²/2^65) make the pass keep a key it should delete. Cost: the old part of each topic is
 * read twice and the snapshot's records once.
 *
 * A kill during the pass: the snapshot is not recorded complete, so the next start snapshots
 * again and runs the pass again; deletes already published are then absent keys, and a delete
 * for a key with no row is harmless.
 *
 * Exactly-once resumes an interrupted snapshot (its committed chunks stay, the rest is read):
 * E0 must then be the first run's, or the rows earlier runs published would lie below the new
 * E0, never be produced by the resumed run, and get a delete. The state's in-progress snapshot
 * record keeps E0 (`deleteMarks`) for that.
 */
import type { Client } from 'pg';
import type { KafkaOptions } from '../sink/kafka/options';
import type { EnvelopeBuilder } from '../envelope/builder';
import { topicName } from '../model/topic';
import { ConnectorError } from '../errors';
import type { Logger } from '../observe/logger';
import { formatLsn, type Lsn } from '../protocol/lsn';
import type { Sink } from '../sink/port';
import type { TopicRecord } from '../sink/kafka/topic-reader';
import { loadTable } from '../snapshot/catalog';
import { Dispatcher } from '../sink/dispatcher';
import type { Queryable } from '../source/tables';
import { KeyHashSet } from './key-hash-set';

export interface DeleteMissingOptions {
  readonly kafka: KafkaOptions;
  readonly topicPrefix: string;
  readonly tables: ReadonlyArray<{ readonly schema: string; readonly table: string }>;
  /** A normal connection, for the tables' definitions. */
  readonly client: Pick<Client, 'query'>;
  readonly builder: EnvelopeBuilder;
  readonly sink: Sink;
  readonly logger: Logger;
  /** source.lsn of the deletes and the prefix of their ids: the snapshot's position. */
  readonly lsn: Lsn;
  readonly maxInFlightRecords: number;
  readonly signal?: AbortSignal;
}

export type TopicMarks = ReadonlyMap<string, readonly bigint[]>;

export interface DeleteMissingResult {
  readonly deletes: number;
  readonly tables: number;
}

function topicsOf(o: Pick<DeleteMissingOptions, 'topicPrefix' | 'tables'>): string[] {
  return o.tables.map((t) => topicName(o.topicPrefix, t.schema, t.table));
}

/** The catalog reader wants every value as text (as the snapshot readers return them): no type parsers. */
function textQueries(client: Pick<Client, 'query'>): Queryable {
  return {
    async query<R extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<{ rows: R[] }> {
      const result = await client.query<R>({ text, values: params, types: { getTypeParser: () => (value: string) => value } });
      return { rows: result.rows };
    },
  };
}

/** Marks as JSON for the connector state (offsets as decimal strings). */
export function marksToJson(marks: TopicMarks): Record<string, string[]> {
  return Object.fromEntries([...marks].map(([topic, ends]) => [topic, ends.map(String)]));
}

/** Marks read back from the connector state; null when malformed. */
export function marksFromJson(value: unknown): TopicMarks | null {
  if (typeof value !== 'object' || value === null) return null;
  const out = new Map<string, bigint[]>();
  for (const [topic, ends] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(ends) || !ends.every((e) => typeof e === 'string' && /^\d+$/.test(e))) return null;
    out.set(topic, ends.map((e: string) => BigInt(e)));
  }
  return out;
}

/**
 * The Kafka topic reader, loaded on first use: @platformatic/kafka compiles its protocol schemas
 * as it is imported (see sink/factory.ts), which a connector that never reads a topic need not pay.
 */
const topicReader = (): Promise<typeof import('../sink/kafka/topic-reader')> => import('../sink/kafka/topic-reader');

/** Step 1: the end offsets before the snapshot publishes anything. */
export async function markTopics(o: Pick<DeleteMissingOptions, 'kafka' | 'topicPrefix' | 'tables'>): Promise<TopicMarks> {
  const { topicEnds } = await topicReader();
  return topicEnds(o.kafka, topicsOf(o));
}

/** True when the record ends its key's life: a tombstone, or a delete event. */
export function isDeleteRecord(r: Pick<TopicRecord, 'value' | 'op'>): boolean {
  if (r.value === null) return true;
  if (r.op !== null) return r.op === 'd';
  // Written by something that sets no op header (Debezium itself): the envelope says.
  try {
    return (JSON.parse(r.value.toString('utf8')) as { op?: unknown }).op === 'd';
  } catch {
    return false;
  }
}

/** Steps 2-4, after the snapshot's last row was acknowledged. */
export async function deleteMissingRows(o: DeleteMissingOptions, before: TopicMarks): Promise<DeleteMissingResult> {
  const topics = topicsOf(o);
  const { readTopicUpTo, topicEnds } = await topicReader();
  const after = await topicEnds(o.kafka, topics);
  let deletes = 0;
  for (const [i, t] of o.tables.entries()) {
    if (o.signal?.aborted) throw new ConnectorError('ABORTED', 'snapshot aborted');
    const topic = topics[i]!;
    const started = Date.now();
    const e0 = before.get(topic) ?? [];
    const e1 = after.get(topic) ?? [];
    const keys = new KeyHashSet();
    let read = await readTopicUpTo({
      kafka: o.kafka, topic, ends: e1,
      onRecord: (r) => {
        if (r.key === null) return;
        if (r.offset >= (e0[r.partition] ?? 0n) || isDeleteRecord(r)) keys.delete(r.key);
        else keys.add(r.key);
      },
    });
    const missing = keys.size;
    const setBytes = keys.bytes;
    if (missing > 0) {
      const { relation } = await loadTable(textQueries(o.client), i, t.schema, t.table);
      const out = new Dispatcher({
        sink: o.sink, batchRecords: 500, maxUnacked: o.maxInFlightRecords, onError: () => undefined,
        failure: { code: 'SNAPSHOT', message: 'publishing snapshot.deleteMissing deletes failed' },
      });
      const idPrefix = `${formatLsn(o.lsn)}:d:${t.schema}.${t.table}:`;
      read += await readTopicUpTo({
        kafka: o.kafka, topic, ends: e0,
        onRecord: (r) => {
          if (r.key === null || !keys.delete(r.key)) return;
          const key = Buffer.from(r.key); // the record's bytes are a view into a whole fetch response
          out.push(o.builder.missingRowDelete(relation, key, o.lsn, idPrefix + key.toString('utf8'), BigInt(Date.now()) * 1000n), undefined);
          deletes++;
          return out.full ? out.untilRoom() : undefined;
        },
      });
      // Exactly-once: the deletes are one Kafka transaction, committed here (a checkpoint keeping
      // the offset). Sent as pieces only, they would stay in an open transaction until the first
      // streamed commit: a stop or kill before it aborts them while the state already says the
      // snapshot is complete, so they are never sent again. Other sinks ignore the checkpoint.
      // No LSN, so the offset stays: sound because every snapshot chunk settled before this pass
      // (a batch is committed with its last checkpoint; see DESIGN, Kafka sink).
      out.flush({});
      await out.settle();
    }
    o.logger.info({ topic, recordsRead: read, deletes: missing, keySetBytes: setBytes, durationMs: Date.now() - started },
      missing > 0 ? 'snapshot.deleteMissing: deleted the rows the topic held and the table no longer has' : 'snapshot.deleteMissing: the topic holds no row the table lacks');
  }
  return { deletes, tables: o.tables.length };
}

/**
 * Forensics for exactly-once failures: the record batches of a topic as the broker stored them,
 * read straight from the test broker's segment files (`<infra dir>/node-<id>/data/<topic>-<p>/*.log`)
 * with the client library's batch parser. Unlike any consumer it shows every batch: aborted
 * ones, the producer id and epoch of each (which walcast process wrote it: each start logs its
 * producerEpoch), and the COMMIT/ABORT markers. Reading a segment the broker is appending to is
 * fine: a torn last batch is left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { IS_CONTROL, IS_TRANSACTIONAL, Reader, readRecordsBatches } from '@platformatic/kafka';

export interface StoredBatch {
  readonly partition: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly transactional: boolean;
  /** 'COMMIT' / 'ABORT' for a control batch, null for data. */
  readonly marker: 'COMMIT' | 'ABORT' | null;
  readonly timestamp: bigint;
  /** walcast.id header of each record (data batches). */
  readonly ids: readonly string[];
  /** Each record's key and value as text (for the offsets topic). */
  readonly records: readonly { key: string | null; value: string | null }[];
}

/** Every stored batch of `topic` on the brokers under `infraDir`, per partition in offset order. */
export function storedBatches(infraDir: string, topic: string): StoredBatch[] {
  const out: StoredBatch[] = [];
  for (const node of readdirSync(infraDir).filter((d) => d.startsWith('node-'))) {
    const data = path.join(infraDir, node, 'data');
    let dirs: string[];
    try { dirs = readdirSync(data); } catch { continue; }
    for (const d of dirs) {
      const m = /^(.*)-(\d+)$/.exec(d);
      if (!m || m[1] !== topic) continue;
      const partition = Number(m[2]);
      for (const file of readdirSync(path.join(data, d)).filter((f) => f.endsWith('.log')).sort()) {
        for (const b of readRecordsBatches(Reader.from(readFileSync(path.join(data, d, file))))) {
          const control = (b.attributes & IS_CONTROL) !== 0;
          const key = b.records[0]?.key;
          out.push({
            partition,
            firstOffset: b.firstOffset,
            lastOffset: b.firstOffset + BigInt(b.lastOffsetDelta),
            producerId: b.producerId,
            producerEpoch: b.producerEpoch,
            transactional: (b.attributes & IS_TRANSACTIONAL) !== 0,
            marker: control ? (key && key.length >= 4 && key.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT') : null,
            timestamp: b.firstTimestamp,
            ids: control ? [] : b.records.map((r) => {
              const h = r.headers.find(([k]) => k?.toString() === 'walcast.id');
              return h?.[1]?.toString() ?? '';
            }),
            records: control ? [] : b.records.map((r) => ({ key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })),
          });
        }
      }
    }
  }
  return out.sort((a, b) => (a.partition - b.partition) || (a.firstOffset < b.firstOffset ? -1 : 1));
}

/** One line per batch: where, who (producer id/epoch), when, what (marker, ids or records). */
export function describeBatch(b: StoredBatch): string {
  const what = b.marker ?? (b.ids.some((id) => id !== '')
    ? `ids ${b.ids.length > 6 ? `${b.ids.slice(0, 3).join(',')}..${b.ids.slice(-2).join(',')} (${b.ids.length})` : b.ids.join(',')}`
    : b.records.map((r) => `${r.key}=${(r.value ?? 'null').slice(0, 160)}`).join(' | '));
  return `${b.partition}@${b.firstOffset}${b.lastOffset !== b.firstOffset ? `-${b.lastOffset}` : ''} pid ${b.producerId} epoch ${b.producerEpoch}${b.transactional ? ' txn' : ''} t=${new Date(Number(b.timestamp)).toISOString()} ${what}`;
}

/**
 * For each `partition@offset` location: the batch holding it and what ends its producer's
 * transaction in that partition (the next marker of the same producer id), as lines.
 */
export function explainLocations(batches: readonly StoredBatch[], locations: readonly string[]): string[] {
  const lines: string[] = [];
  for (const loc of locations) {
    const [p, o] = loc.split('@');
    const partition = Number(p);
    const offset = BigInt(o!);
    const i = batches.findIndex((b) => b.partition === partition && b.firstOffset <= offset && offset <= b.lastOffset);
    if (i < 0) { lines.push(`${loc}: no stored batch`); continue; }
    const b = batches[i]!;
    const end = batches.slice(i + 1).find((x) => x.partition === partition && x.producerId === b.producerId && x.marker !== null);
    lines.push(`${loc}: ${describeBatch(b)}\n    ended by ${end ? describeBatch(end) : 'nothing yet'}`);
  }
  return lines;
}

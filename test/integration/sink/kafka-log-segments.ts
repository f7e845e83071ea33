import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

// Record batches as the broker stored them: read from the partition's log segments on disk
// (test brokers only: <cluster dir>/node-<id>/data/<topic>-<partition>/*.log). What a consumer
// cannot see, the batch header shows: the producer id and sequence numbers of an idempotent
// producer, and the codec the batch was compressed with.
//
// RecordBatch v2 header (Kafka protocol guide, "Record Batch"), big-endian:
//   int64 baseOffset, int32 batchLength (bytes after this field), int32 partitionLeaderEpoch,
//   int8 magic (2), uint32 crc, int16 attributes (bits 0-2 codec: 0 none, 1 gzip, 2 snappy,
//   3 lz4, 4 zstd; bit 4 transactional; bit 5 control), int32 lastOffsetDelta,
//   int64 baseTimestamp, int64 maxTimestamp, int64 producerId, int16 producerEpoch,
//   int32 baseSequence, int32 records count, then the (possibly compressed) records.

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export interface StoredBatch {
  baseOffset: bigint;
  /** Bytes of the whole batch on disk. */
  bytes: number;
  codec: (typeof CODECS)[number];
  transactional: boolean;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: number;
}

export async function storedBatches(clusterDir: string, nodeId: number, topic: string, partition: number): Promise<StoredBatch[]> {
  const dir = path.join(clusterDir, `node-${nodeId}`, 'data', `${topic}-${partition}`);
  const segments = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
  const batches: StoredBatch[] = [];
  for (const segment of segments) {
    const buf = await readFile(path.join(dir, segment));
    let at = 0;
    while (at + 61 <= buf.length) {
      const batchLength = buf.readInt32BE(at + 8);
      if (batchLength <= 0) break; // preallocated tail
      if (buf.readInt8(at + 16) !== 2) throw new Error(`${segment}@${at}: not a v2 record batch`);
      const attributes = buf.readInt16BE(at + 21);
      batches.push({
        baseOffset: buf.readBigInt64BE(at),
        bytes: 12 + batchLength,
        codec: CODECS[attributes & 7],
        transactional: (attributes & 0x10) !== 0,
        producerId: buf.readBigInt64BE(at + 43),
        producerEpoch: buf.readInt16BE(at + 51),
        baseSequence: buf.readInt32BE(at + 53),
        records: buf.readInt32BE(at + 57),
      });
      at += 12 + batchLength;
    }
  }
  return batches;
}

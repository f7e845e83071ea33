/**
 * The Java client partitions a keyed record with toPositive(murmur2(keyBytes)) % numPartitions.
 * murmur2 here is written from the algorithm (Kafka's Utils.murmur2: seed 0x9747b28c,
 * m 0x5bd1e995, r 24, little-endian 4-byte blocks, Java int arithmetic), independently of
 * the client library; partitioner.test.ts checks it against the values in Kafka's own UtilsTest.
 */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = data[o] | (data[o + 1] << 8) | (data[o + 2] << 16) | (data[o + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = blocks * 4;
  // Java's fall-through switch over the 1-3 trailing bytes.
  const rest = length & 3;
  if (rest >= 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) {
    h ^= data[tail];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export const javaPartition = (key: Buffer, partitions: number): number => (murmur2(key) & 0x7fffffff) % partitions;

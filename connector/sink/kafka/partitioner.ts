/**
 * Partition choice, as the Java client makes it for keyed records:
 * toPositive(murmur2(keyBytes)) % numPartitions. @platformatic/kafka's own default
 * (murmur2 >>> 0) differs for half of all keys; Java's toPositive is `& 0x7fffffff`, and the
 * producer takes the result modulo the partition count (producer.js #performSend).
 * Consumers that locate a key's partition the Java way (Kafka Streams, Debezium-fed joins)
 * therefore find walcast's records where they expect them.
 *
 * murmur2 is computed here rather than with the library's `compatibilityPartitioner`: the
 * library's murmur2 works in BigInt (a handful of BigInt allocations per 4 key bytes), which
 * cost about 5% of walcast's streaming CPU; this one is 32-bit integer arithmetic (Math.imul)
 * with no allocation. partitioner.test.ts checks it against Kafka's UtilsTest values and the
 * library's murmur2 for every tail length.
 *
 * Records without a key (tables without a primary key or replica identity) go round-robin per
 * topic (as walcast's earlier kafkajs client did); no order is promised for them.
 */
import type { MessageToProduce, Partitioner } from '@platformatic/kafka';

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's Utils.murmur2 (Java int arithmetic): a signed 32-bit hash of the key bytes. */
export function murmur2(key: Uint8Array): number {
  const length = key.length;
  let h = SEED ^ length;
  const end = length - (length & 3);
  let i = 0;
  for (; i < end; i += 4) {
    // Little-endian 4-byte block, as Java's (data[i] & 0xff) + ((data[i+1] & 0xff) << 8) + ...
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    h = Math.imul(h, M) ^ Math.imul(k, M);
  }
  // The 1-3 trailing bytes (Java's fall-through switch over length % 4).
  const rest = length - end;
  if (rest === 3) h ^= key[i + 2]! << 16;
  if (rest >= 2) h ^= key[i + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ key[i]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function javaCompatiblePartitioner(): Partitioner<Buffer, Buffer, Buffer, Buffer> {
  const next = new Map<string, number>();
  return (message: Message, key: Buffer | undefined): number => {
    if (key !== undefined && key !== null) return murmur2(key) & 0x7fffffff;
    const n = next.get(message.topic) ?? 0;
    // Stays a small non-negative integer; the producer reduces it modulo the partition count.
    next.set(message.topic, (n + 1) % 1_000_000_007);
    return n;
  };
}

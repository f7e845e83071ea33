/**
 * Partition choice, as the Java client makes it for keyed records:
 * toPositive(murmur2(keyBytes)) % numPartitions. @platformatic/kafka's own default
 * (murmur2 >>> 0) differs for half of all keys; its compatibilityPartitioner applies Java's
 * toPositive (`& 0x7fffffff`) and the producer takes the result modulo the partition count.
 * Consumers that locate a key's partition the Java way (Kafka Streams, Debezium-fed joins)
 * therefore find walcast's records where they expect them.
 *
 * Records without a key (tables without a primary key or replica identity) go round-robin per
 * topic (as walcast's earlier kafkajs client did); no order is promised for them.
 */
import { compatibilityPartitioner, type MessageToProduce, type Partitioner } from '@platformatic/kafka';

type Message = MessageToProduce<Buffer, Buffer, string, string>;

export function javaCompatiblePartitioner(): Partitioner<Buffer, Buffer, string, string> {
  const next = new Map<string, number>();
  return (message: Message, key: Buffer | undefined): number => {
    if (Buffer.isBuffer(key)) return compatibilityPartitioner(message, key);
    const n = next.get(message.topic) ?? 0;
    // Stays a small non-negative integer; the producer reduces it modulo the partition count.
    next.set(message.topic, (n + 1) % 1_000_000_007);
    return n;
  };
}

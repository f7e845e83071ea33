/** The Kafka broker of the benchmarks: one Apache Kafka 4 broker started by the bench. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Consumer } from '@platformatic/kafka';
import { startKafka as startApacheKafka } from '../../test/infra/kafka-broker';

export interface KafkaBroker { readonly bootstrap: string; stop(): Promise<void> }

export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts', 'fetch-kafka.sh'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`repository root not found above ${from}`);
  }
}

/**
 * One Apache Kafka 4 broker (test/infra/kafka-broker.ts: KRaft, temp dir, removed at stop) with
 * a 512 MB heap. Its JVM costs CPU on the same cores as walcast: compare rates per broker kind.
 */
export async function startRealKafka(): Promise<KafkaBroker> {
  const handle = await startApacheKafka({ heapMb: 512 });
  return { bootstrap: handle.info.bootstrap, stop: () => handle.stop() };
}

/** Sum of the high watermarks of `topic` (messages ever appended). */
export async function topicHighWatermark(bootstrap: string, topic: string): Promise<number> {
  // listOffsets joins no group; the group id is required by the constructor only.
  const consumer = new Consumer({ clientId: 'walcast-bench', bootstrapBrokers: bootstrap.split(','), groupId: `walcast-bench-${process.pid}` });
  try {
    const offsets = await consumer.listOffsets({ topics: [topic] });
    return (offsets.get(topic) ?? []).reduce((sum, o) => sum + Number(o), 0);
  } finally {
    await consumer.close(true);
  }
}

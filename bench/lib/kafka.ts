/** The Kafka broker of the benchmarks: one Apache Kafka 4 broker started by the bench. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Consumer } from '@platformatic/kafka';
import { startKafka as startApacheKafka } from '../../test/infra/kafka-broker';

export interface KafkaBroker {
  readonly bootstrap: string;
  /** The broker JVM's pid while it runs. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts', 'fetch-kafka.sh'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`repository root not found above ${from}`);
  }
}

/**
 * Kafka's own JVM settings (kafka-run-class.sh: a fixed heap, G1 with a 20 ms pause goal), for
 * the latency scenario. The other scenarios keep the tests' lean JVM (test/infra/kafka-broker.ts:
 * serial GC, C1 only, a heap that starts at 32 MB and grows), which takes less CPU from the
 * cores walcast shares. Measured in the latency scenario (GC log of the broker, produce round
 * trips in walcast) with the lean JVM: young pauses of 6 to 35 ms once or twice a second, and
 * full collections of 30 to 72 ms while the heap grew during the load; a produce request in
 * flight waits such a pause out, and so does every record queued behind it (one 94 ms request
 * alone held 1% of a run's records). With these flags: about one pause a second, 6 to 23 ms.
 * Kafka's full JIT (C2) was also tried: its compiling took the cores during the load (p50 12 to
 * 20 ms, p99 87 ms in two undisturbed runs), so C1 stays.
 */
export const KAFKA_JVM_FLAGS: readonly string[] = [
  '-XX:-UseSerialGC', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent',
];

export interface RealKafkaOptions {
  /** 'tests' (default): the tests' JVM flags; 'kafka': KAFKA_JVM_FLAGS and a fixed heap. */
  readonly jvm?: 'tests' | 'kafka';
}

/**
 * One Apache Kafka 4 broker (test/infra/kafka-broker.ts: KRaft, temp dir, removed at stop) with
 * a 512 MB heap. Its JVM costs CPU on the same cores as walcast: compare rates per broker kind.
 * WALCAST_BENCH_KAFKA_JVM_FLAGS adds JVM flags after the chosen ones (a later flag wins).
 */
export async function startRealKafka(opts: RealKafkaOptions = {}): Promise<KafkaBroker> {
  const heapMb = 512;
  const jvm = opts.jvm === 'kafka' ? [`-Xms${heapMb}m`, ...KAFKA_JVM_FLAGS] : [];
  const extra = (process.env.WALCAST_BENCH_KAFKA_JVM_FLAGS ?? '').split(/\s+/).filter((f) => f !== '');
  const handle = await startApacheKafka({ heapMb, jvmFlags: [...jvm, ...extra] });
  return { bootstrap: handle.info.bootstrap, get pid() { return handle.nodes[0]?.pid; }, stop: () => handle.stop() };
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

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { kafkaClasspath } from './kafka-broker';

// The exactly-once oracle: what a read_committed consumer sees, read by Apache Kafka's own Java
// consumer (kafka/ReadCommitted.java, run as a single-file source program with the broker's
// classpath), independent of the client library walcast writes with.

export interface CommittedMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** The walcast.id header ('' when absent). */
  id: string;
}

const SOURCE = path.join(__dirname, 'kafka', 'ReadCommitted.java');

/** Every committed record of `topics` (all partitions, from the beginning to the last stable offset). */
export async function readCommittedJava(bootstrap: string, topics: readonly string[]): Promise<CommittedMessage[]> {
  const { classpath } = await kafkaClasspath();
  const { stdout } = await promisify(execFile)('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', classpath, SOURCE, bootstrap, ...topics],
    { timeout: 120_000, maxBuffer: 512 << 20 });
  const lines = stdout.split('\n');
  if (!lines.includes('END')) throw new Error(`ReadCommitted.java did not finish: ${stdout.slice(-500)}`);
  const out: CommittedMessage[] = [];
  for (const line of lines) {
    const fields = line.split('\t');
    // Anything else on stdout (a client log line) is not a record.
    if (fields.length !== 6) continue;
    const [topic, partition, offset, key, value, id] = fields;
    out.push({
      topic: topic!, partition: Number(partition), offset: BigInt(offset!),
      key: key === '-' ? null : Buffer.from(key!, 'base64'),
      value: value === '-' ? null : Buffer.from(value!, 'base64'),
      id: id ?? '',
    });
  }
  return out;
}

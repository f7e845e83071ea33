/**
 * The Kafka mock broker for benchmarks. test/infra/kafka.ts's startKafkaMock() finds
 * scripts/build-kafka-mock.sh relative to its own file, which is wrong once compiled into
 * dist/, so the bench spawns the helper itself: its path comes from WALCAST_KAFKA_MOCK_BIN
 * (scripts/bench.sh sets it) or from running the build script (cached: well under a second).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Consumer } from '@platformatic/kafka';
import { startKafka as startApacheKafka } from '../../test/infra/kafka-broker';
import { endChild, tail, track } from './children';

export interface KafkaMock { readonly bootstrap: string; stop(): Promise<void> }

export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts', 'build-kafka-mock.sh'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`repository root not found above ${from}`);
  }
}

function mockBinary(): string {
  const fromEnv = process.env.WALCAST_KAFKA_MOCK_BIN;
  if (fromEnv) return fromEnv;
  const out = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'build-kafka-mock.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = out.trim().split('\n').pop();
  if (!bin) throw new Error('build-kafka-mock.sh printed no binary path');
  return bin;
}

/** One broker, one partition per auto-created topic (Kafka's default). */
export async function startKafka(): Promise<KafkaMock> {
  // stdin stays an open pipe: the helper exits at EOF, i.e. when the bench dies.
  const child = track(spawn(mockBinary(), ['1', '1'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const err = tail();
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  const bootstrap = await new Promise<string>((resolve, reject) => {
    let out = '';
    let boot: string | undefined;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`Kafka mock: no BOOTSTRAP/CONTROL line in 10 s\n${err.text()}`)); }, 10_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`Kafka mock exited early (${code})\n${err.text()}`)); });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const [word, value] = out.slice(0, nl).trim().split(' ');
        out = out.slice(nl + 1);
        if (word === 'BOOTSTRAP') boot = value;
        if (word === 'CONTROL' && boot !== undefined) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve(boot);
        }
      }
    });
  });
  return { bootstrap, stop: () => endChild(child, 'SIGTERM', 5_000) };
}

/**
 * One Apache Kafka 4 broker (test/infra/kafka-broker.ts: KRaft, temp dir, removed at stop) with
 * a 512 MB heap. Its JVM costs CPU on the same cores as walcast: compare rates per broker kind.
 */
export async function startRealKafka(): Promise<KafkaMock> {
  const handle = await startApacheKafka({ heapMb: 512 });
  return { bootstrap: handle.info.bootstrap, stop: () => handle.stop() };
}

/** Sum of the high watermarks of `topic` (messages ever appended; the mock's trimming aside). */
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

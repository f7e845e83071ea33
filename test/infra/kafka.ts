import { ChildProcess, execFile, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

// The Kafka fault-injection broker: librdkafka's mock cluster wrapped by kafka-mock/mock-broker.c
// (built and cached by scripts/build-kafka-mock.sh), plus a client for its control port. Real
// Apache Kafka brokers: kafka-broker.ts; topic reader: kafka-reader.ts (re-exported below).
// Broker ids are 0..brokers-1; broker 0 is the controller.

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD_SCRIPT = path.join(ROOT, 'scripts', 'build-kafka-mock.sh');

export interface KafkaMockInfo {
  /** `host:port,...` of every broker. */
  bootstrap: string;
  /** TCP port of the line-based control protocol (see mock-broker.c). */
  controlPort: number;
}

export interface KafkaMockHandle {
  info: KafkaMockInfo;
  stop(): Promise<void>;
}

export interface KafkaMockOptions {
  /** Number of brokers (ids 0..n-1). Default 1. */
  brokers?: number;
  /** Partitions of auto-created topics (and CreateTopics with -1). Default 1, like Kafka. */
  defaultPartitions?: number;
  /** How long to wait for the build and the start. Default 10 min (a cold build takes minutes). */
  startTimeoutMs?: number;
}

/** Builds the helper when needed (cached: < 1 s) and returns its path. */
export async function buildKafkaMock(timeoutMs = 600_000): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('bash', [BUILD_SCRIPT], { timeout: timeoutMs, maxBuffer: 1 << 20 });
    const bin = stdout.trim().split('\n').pop();
    if (!bin) throw new Error('build-kafka-mock.sh printed no binary path');
    return bin;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`building the Kafka mock failed: ${(err as Error).message}\n${stderr.slice(-2000)}`, { cause: err });
  }
}

/** Starts a mock cluster in a child process. Usable standalone or from the jest globalSetup. */
export async function startKafkaMock(opts: KafkaMockOptions = {}): Promise<KafkaMockHandle> {
  const timeoutMs = opts.startTimeoutMs ?? 600_000;
  const bin = await buildKafkaMock(timeoutMs);
  const args = [String(opts.brokers ?? 1), String(opts.defaultPartitions ?? 1)];
  // stdin stays an open pipe: the helper exits when it reaches EOF, i.e. when this process dies.
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const info = await readInfo(child, () => stderr);
  // Let a test process exit even if someone forgets stop(); stdin EOF then ends the helper.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void })?.unref?.();
  return { info, stop: () => stopChild(child) };
}

function readInfo(child: ChildProcess, stderr: () => string): Promise<KafkaMockInfo> {
  return new Promise((resolve, reject) => {
    let out = '';
    let bootstrap: string | undefined;
    const timer = setTimeout(() => fail(new Error('no BOOTSTRAP/CONTROL line within 10 s')), 10_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`Kafka mock failed to start: ${err.message}\n${stderr()}`));
    };
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`exited early (code ${code}, signal ${signal})`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl).trim();
        out = out.slice(nl + 1);
        const [word, value] = line.split(' ');
        if (word === 'BOOTSTRAP') bootstrap = value;
        if (word === 'CONTROL' && bootstrap) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.removeAllListeners('error');
          resolve({ bootstrap, controlPort: Number(value) });
        }
      }
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export type BrokerRef = number | 'all';

export interface KafkaControl {
  ping(): Promise<void>;
  /** Stops the broker's listener and closes its open connections (clients see ECONNRESET/REFUSED). */
  brokerDown(id: BrokerRef): Promise<void>;
  brokerUp(id: BrokerRef): Promise<void>;
  /** Delays every response of the broker by `ms`. */
  setRtt(id: BrokerRef, ms: number): Promise<void>;
  /** The next `count` Produce requests (any broker) fail with Kafka error `code`. */
  produceErrors(count: number, code: number): Promise<void>;
  requestErrors(apiKey: number, count: number, code: number): Promise<void>;
  clearErrors(apiKey: number): Promise<void>;
  createTopic(name: string, partitions: number, replicationFactor: number): Promise<void>;
  /** Topic-level error in Metadata responses; 0 clears it. */
  topicError(name: string, code: number): Promise<void>;
}

/** Kafka protocol error codes used by tests. */
export const KafkaErrorCode = {
  NOT_LEADER_FOR_PARTITION: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  NOT_ENOUGH_REPLICAS: 19,
  INVALID_REQUIRED_ACKS: 21,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
} as const;

export function kafkaControl(controlPort: number): KafkaControl {
  const send = (line: string): Promise<void> => controlCommand(controlPort, line).then(() => undefined);
  return {
    ping: () => send('ping'),
    brokerDown: (id) => send(`broker_down ${id}`),
    brokerUp: (id) => send(`broker_up ${id}`),
    setRtt: (id, ms) => send(`rtt ${id} ${ms}`),
    produceErrors: (count, code) => send(`produce_errors ${count} ${code}`),
    requestErrors: (apiKey, count, code) => send(`request_errors ${apiKey} ${count} ${code}`),
    clearErrors: (apiKey) => send(`clear_errors ${apiKey}`),
    createTopic: (name, partitions, rf) => send(`topic_create ${name} ${partitions} ${rf}`),
    topicError: (name, code) => send(`topic_error ${name} ${code}`),
  };
}

/** One command per connection: send a line, read the one-line reply, close. */
export function controlCommand(port: number, line: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`control command timed out: ${line}`)));
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const replyLine = buf.slice(0, nl);
      socket.end();
      if (replyLine.startsWith('OK')) resolve(replyLine);
      else reject(new Error(`mock control "${line}": ${replyLine}`));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`control connection closed before reply to "${line}"`)));
  });
}

// Topic reading lives in kafka-reader.ts (the sink's client library); re-exported for the tests
// that import it from here.
export { readTopic, type ReadTopicOptions, type TopicMessage } from './kafka-reader';

import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { cdsRun } from './kafka-cds';
import { spawnDetachedReaper } from './reaper';
import { fetchMetadata, Metadata } from './kafka-metadata';
import { freePort } from './nats';
import { makeTestCertificates } from './test-certs';
import { waitFor } from './wait';

// Real Apache Kafka 4 brokers for the integration tests, in KRaft combined mode (each JVM is
// both a broker and a controller voter; no ZooKeeper). The jars come from Maven Central via
// scripts/fetch-kafka.sh (cached in ~/.m2 and ~/.cache/walcast/kafka). Per cluster: random
// ports on 127.0.0.1, one temp dir (removed at stop), a static voter set
// (controller.quorum.voters), a random cluster id, `kafka.tools.StorageTool format` per node,
// then `java kafka.Kafka server.properties`, polled with a Metadata request until every broker
// is registered. The JVMs share a class-data archive (kafka-cds.ts). A detached reaper kills
// the JVMs and removes the dir if the test process dies without stopping them.

// The repository root, found upwards: this file also runs compiled (dist/test/infra/, the bench).
const ROOT = findRepoRoot(__dirname);
const FETCH_SCRIPT = path.join(ROOT, 'scripts', 'fetch-kafka.sh');
const LOG4J_CONFIG = path.join(ROOT, 'test', 'infra', 'kafka', 'log4j2.properties');
const JAVA = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

// Small and cheap on a shared 2-core machine: serial GC (no GC threads), C1 only (a JVM that
// lives for one test run gains little from C2 and it halves start-up CPU), no perf-data file.
const JVM_FLAGS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-XX:+ExitOnOutOfMemoryError',
  '-Xss512k', '-XX:ReservedCodeCacheSize=64m', '-Djava.awt.headless=true'];

export interface KafkaSecurityOptions {
  /** SASL users (name → password): each can log in with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. Names and passwords: [A-Za-z0-9_-]. */
  saslUsers?: Record<string, string>;
  /** Adds an SSL listener (and SASL_SSL with saslUsers), certificates made with openssl. */
  tls?: boolean;
}

export interface KafkaClusterOptions {
  /** Default 1. With 3: replication factor 3, min.insync.replicas 2 for every topic. */
  brokers?: number;
  /** Max heap of each broker. Default 256 MB (one broker), 192 MB (each of several). */
  heapMb?: number;
  /** JVM flags after the defaults (a later flag wins), e.g. another collector. */
  jvmFlags?: readonly string[];
  security?: KafkaSecurityOptions;
  /** Extra server.properties, applied last. */
  serverProperties?: Record<string, string | number | boolean>;
  /** Start-up deadline (the first run also resolves the jars with Maven). Default 5 min. */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL deadline of stop(). Default 15 s. */
  stopTimeoutMs?: number;
}

export interface KafkaClusterInfo {
  /** PLAINTEXT listener of every broker: `127.0.0.1:port,...`. */
  bootstrap: string;
  brokers: number;
  /** SASL_PLAINTEXT listeners (with security.saslUsers). */
  saslPlaintext?: string;
  /** SSL listeners (with security.tls). */
  ssl?: string;
  /** SASL_SSL listeners (with both). */
  saslSsl?: string;
  /** CA that signed the brokers' certificates (with security.tls). */
  caFile?: string;
  /** The cluster's temp dir: node-<id>/{server.properties,data,logs/server.log}. */
  dir: string;
}

export interface KafkaNode {
  /** node.id: 1..brokers. */
  readonly id: number;
  /** PLAINTEXT port. */
  readonly port: number;
  readonly running: boolean;
  readonly pid: number | undefined;
  /** Resident set size of the JVM (Linux /proc), undefined when not running. */
  rssMb(): number | undefined;
  /** Graceful: SIGTERM (controlled shutdown moves its leaderships away), SIGKILL after the deadline. Data stays. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash. Data stays. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data; resolves when it answers Metadata. */
  start(): Promise<void>;
}

export interface KafkaClusterHandle {
  info: KafkaClusterInfo;
  nodes: readonly KafkaNode[];
  node(id: number): KafkaNode;
  /** Metadata (brokers, and the given topics) from the first running node that answers. */
  metadata(topics?: readonly string[]): Promise<Metadata>;
  /** The partition's current leader, once it has one. */
  leaderOf(topic: string, partition?: number, timeoutMs?: number): Promise<number>;
  /** Stops every broker (SIGTERM, SIGKILL after the deadline) and removes the temp dir. */
  stop(): Promise<void>;
}

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'scripts', 'fetch-kafka.sh'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`scripts/fetch-kafka.sh not found above ${from}`);
  }
}

/** Runs scripts/fetch-kafka.sh (Maven on the first run, ~0.1 s cached): the classpath and its cache file. */
export async function kafkaClasspath(timeoutMs = 600_000): Promise<{ classpath: string; file: string }> {
  try {
    const { stdout } = await promisify(execFile)('bash', [FETCH_SCRIPT], { timeout: timeoutMs, maxBuffer: 1 << 20 });
    const file = stdout.trim().split('\n').pop();
    if (!file) throw new Error('fetch-kafka.sh printed no classpath file');
    return { classpath: (await readFile(file, 'utf8')).trim(), file };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`resolving Apache Kafka with Maven failed: ${(err as Error).message}\n${stderr.slice(-2000)}`, { cause: err });
  }
}

/** One broker: the integration globalSetup's (see lifecycle.ts), or a test file's own. */
export function startKafka(opts: Omit<KafkaClusterOptions, 'brokers'> = {}): Promise<KafkaClusterHandle> {
  return startKafkaCluster({ ...opts, brokers: 1 });
}

interface NodePorts { plaintext: number; controller: number; saslPlaintext?: number; ssl?: number; saslSsl?: number }

export async function startKafkaCluster(opts: KafkaClusterOptions = {}): Promise<KafkaClusterHandle> {
  const n = opts.brokers ?? 1;
  const startTimeoutMs = opts.startTimeoutMs ?? 300_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
  const heapMb = opts.heapMb ?? (n === 1 ? 256 : 192);
  const users = opts.security?.saslUsers ?? {};
  const sasl = Object.keys(users).length > 0;
  const tls = opts.security?.tls ?? false;
  for (const [u, p] of Object.entries(users)) {
    if (!/^[\w-]+$/.test(u) || !/^[\w-]+$/.test(p)) throw new Error(`SASL user ${JSON.stringify(u)}: names and passwords must match [A-Za-z0-9_-]`);
  }

  const jars = await kafkaClasspath(startTimeoutMs);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walcast-kafka-'));
  const cancelReaper = spawnReaper(dir);
  const nodes: BrokerNode[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
    cancelReaper();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    let certs: Awaited<ReturnType<typeof makeTestCertificates>> | undefined;
    if (tls) {
      await mkdir(path.join(dir, 'tls'));
      certs = await makeTestCertificates(path.join(dir, 'tls'));
    }
    // Each probe releases its port at once: make sure the OS did not hand one out twice.
    const taken = new Set<number>();
    const port = async (): Promise<number> => {
      for (;;) {
        const p = await freePort();
        if (!taken.has(p)) return taken.add(p), p;
      }
    };
    const ports: NodePorts[] = [];
    for (let i = 0; i < n; i++) {
      ports.push({
        plaintext: await port(),
        controller: await port(),
        saslPlaintext: sasl ? await port() : undefined,
        ssl: tls ? await port() : undefined,
        saslSsl: sasl && tls ? await port() : undefined,
      });
    }
    const voters = ports.map((p, i) => `${i + 1}@127.0.0.1:${p.controller}`).join(',');
    const clusterId = randomClusterId();
    const scram = Object.entries(users).flatMap(([u, p]) =>
      ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u},password=${p}]`]));

    for (let i = 0; i < n; i++) {
      const id = i + 1;
      const nodeDir = path.join(dir, `node-${id}`);
      await mkdir(path.join(nodeDir, 'logs'), { recursive: true });
      const props = serverProperties({ id, n, ports: ports[i], voters, dataDir: path.join(nodeDir, 'data'), users, keystore: certs?.keystoreFile });
      for (const [k, v] of Object.entries(opts.serverProperties ?? {})) props.set(k, String(v));
      await writeFile(path.join(nodeDir, 'server.properties'), [...props].map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
      nodes.push(new BrokerNode(id, ports[i].plaintext, nodeDir, jars, heapMb, opts.jvmFlags ?? [], startTimeoutMs, stopTimeoutMs));
    }
    // Formatting writes meta.properties and the bootstrap metadata (and SCRAM users) per node.
    await Promise.all(nodes.map((node) => node.format(clusterId, scram)));
    await Promise.all(nodes.map((node) => node.start()));
    await waitFor(async () => {
      const counts = await Promise.all(nodes.map(async (node) => (await fetchMetadata('127.0.0.1', node.port)).brokers.length));
      return counts.every((c) => c === n);
    }, { timeoutMs: startTimeoutMs, intervalMs: 100, message: `all ${n} Kafka brokers to be registered` });
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }

  const list = (port: (p: BrokerNode) => number | undefined): string | undefined =>
    nodes.every((node) => port(node) !== undefined) ? nodes.map((node) => `127.0.0.1:${port(node)}`).join(',') : undefined;
  const info: KafkaClusterInfo = {
    bootstrap: list((node) => node.port)!,
    brokers: n,
    saslPlaintext: list((node) => node.listenerPort('SASL_PLAINTEXT')),
    ssl: list((node) => node.listenerPort('SSL')),
    saslSsl: list((node) => node.listenerPort('SASL_SSL')),
    caFile: tls ? path.join(dir, 'tls', 'ca.pem') : undefined,
    dir,
  };
  const metadata = async (topics: readonly string[] = []): Promise<Metadata> => {
    const errors: string[] = [];
    for (const node of nodes.filter((x) => x.running)) {
      try {
        return await fetchMetadata('127.0.0.1', node.port, topics);
      } catch (err) {
        errors.push(`node ${node.id}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no running Kafka broker answered Metadata: ${errors.join('; ') || 'none running'}`);
  };
  let stopping: Promise<void> | undefined;
  return {
    info,
    nodes,
    node: (id) => {
      const node = nodes.find((x) => x.id === id);
      if (!node) throw new Error(`no Kafka node ${id} (ids 1..${n})`);
      return node;
    },
    metadata,
    leaderOf: (topic, partition = 0, timeoutMs = 30_000) =>
      waitFor(async () => {
        const p = (await metadata([topic])).topics[0]?.partitions.find((x) => x.partition === partition);
        return p && p.leader >= 0 && nodes.find((x) => x.id === p.leader)?.running ? p.leader : undefined;
      }, { timeoutMs, intervalMs: 100, message: `a running leader of ${topic}-${partition}` }),
    stop: () => (stopping ??= stopAll()),
  };
}

function serverProperties(o: {
  id: number; n: number; ports: NodePorts; voters: string; dataDir: string; users: Record<string, string>; keystore?: string;
}): Map<string, string> {
  const listeners: [string, number | undefined][] = [
    ['PLAINTEXT', o.ports.plaintext], ['SASL_PLAINTEXT', o.ports.saslPlaintext], ['SSL', o.ports.ssl], ['SASL_SSL', o.ports.saslSsl],
  ];
  const open = listeners.filter((l): l is [string, number] => l[1] !== undefined).map(([name, port]) => `${name}://127.0.0.1:${port}`);
  const rf = String(Math.min(o.n, 3));
  const minIsr = String(o.n >= 3 ? 2 : 1);
  const p = new Map<string, string>(Object.entries({
    'process.roles': 'broker,controller',
    'node.id': String(o.id),
    'controller.quorum.voters': o.voters,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    listeners: [...open, `CONTROLLER://127.0.0.1:${o.ports.controller}`].join(','),
    'advertised.listeners': open.join(','),
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL',
    'log.dirs': o.dataDir,
    'num.partitions': '1',
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': rf,
    // 50 partitions by default: each costs files and start-up time on the first consumer group.
    'offsets.topic.num.partitions': '4',
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': '4',
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': minIsr,
    'group.initial.rebalance.delay.ms': '0',
    // Thread pools and buffers sized for tests (defaults: 3 network, 8 io, 10 background threads,
    // a 128 MB cleaner dedupe buffer taken from the heap).
    'num.network.threads': '2',
    'num.io.threads': '2',
    'background.threads': '2',
    'num.replica.fetchers': '1',
    'num.recovery.threads.per.data.dir': '1',
    'log.cleaner.threads': '1',
    'log.cleaner.dedupe.buffer.size': String(8 * 1024 * 1024),
    // A lost broker is noticed (and its partitions' leadership moved) in seconds, not 9 s.
    'broker.session.timeout.ms': '4000',
    'broker.heartbeat.interval.ms': '500',
  }));
  if (Object.keys(o.users).length > 0) {
    p.set('sasl.enabled.mechanisms', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512');
    const plainUsers = Object.entries(o.users).map(([u, pw]) => `user_${u}="${pw}"`).join(' ');
    for (const listener of ['sasl_plaintext', ...(o.keystore ? ['sasl_ssl'] : [])]) {
      p.set(`listener.name.${listener}.plain.sasl.jaas.config`, `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`);
      for (const m of ['scram-sha-256', 'scram-sha-512']) {
        p.set(`listener.name.${listener}.${m}.sasl.jaas.config`, 'org.apache.kafka.common.security.scram.ScramLoginModule required;');
      }
    }
  }
  if (o.keystore) {
    // PEM keystore: the unencrypted PKCS#8 key followed by the certificate (no keytool, no JKS).
    p.set('ssl.keystore.type', 'PEM');
    p.set('ssl.keystore.location', o.keystore);
    p.set('ssl.client.auth', 'none');
  }
  return p;
}

/** Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding, not starting with '-'. */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

class BrokerNode implements KafkaNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private outputTail = '';
  private dumpsClassArchive = false;

  constructor(
    readonly id: number,
    readonly port: number,
    private readonly dir: string,
    private readonly jars: { classpath: string; file: string },
    private readonly heapMb: number,
    private readonly jvmFlags: readonly string[],
    private readonly startTimeoutMs: number,
    private readonly stopTimeoutMs: number,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  rssMb(): number | undefined {
    const pid = this.pid;
    if (pid === undefined) return undefined;
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return kb ? Number(kb[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  listenerPort(name: string): number | undefined {
    const props = readFileSync(path.join(this.dir, 'server.properties'), 'utf8');
    const m = new RegExp(`^advertised\\.listeners=.*\\b${name}://127\\.0\\.0\\.1:(\\d+)`, 'm').exec(props);
    return m ? Number(m[1]) : undefined;
  }

  async format(clusterId: string, extraArgs: string[]): Promise<void> {
    // The brokers' class archive, when there is one, serves the format tool too.
    const cds = cdsRun(this.jars.file, { dump: false });
    const args = ['-Xmx96m', ...JVM_FLAGS, ...cds.flags, `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, `-Dkafka.logs.dir=${path.join(this.dir, 'logs')}`,
      '-cp', this.jars.classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', path.join(this.dir, 'server.properties'), ...extraArgs];
    try {
      await promisify(execFile)(JAVA, args, { timeout: this.startTimeoutMs, maxBuffer: 1 << 20 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`kafka-storage format of node ${this.id} failed: ${e.message}\n${(e.stdout ?? '') + (e.stderr ?? '')}`.slice(0, 4000), { cause: err });
    }
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.outputTail = '';
    const cds = cdsRun(this.jars.file);
    this.dumpsClassArchive = cds.dumps;
    const child = spawn(JAVA, [
      `-Xmx${this.heapMb}m`, '-Xms32m', ...JVM_FLAGS, ...this.jvmFlags, ...cds.flags,
      `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, `-Dkafka.logs.dir=${path.join(this.dir, 'logs')}`,
      '-cp', this.jars.classpath, 'kafka.Kafka', path.join(this.dir, 'server.properties'),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer): void => {
      this.outputTail = (this.outputTail + d.toString()).slice(-2000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    // A test process that forgets stop() may still exit: the reaper then kills this JVM.
    child.unref();
    for (const s of [child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    const pidFile = path.join(this.dir, 'java.pid');
    if (child.pid !== undefined) writeFileSync(pidFile, String(child.pid));
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        if (existsSync(pidFile)) rmSync(pidFile, { force: true });
        cds.exited(code, signal);
        resolve();
      });
      child.once('error', (err) => {
        this.outputTail += `\nspawn ${JAVA}: ${err.message}`;
        cds.exited(null, null);
        resolve();
      });
    });
    try {
      // Acceptors open last, after the broker is registered and unfenced: an answer means ready.
      await waitFor(async () => {
        if (!this.running) throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
        await fetchMetadata('127.0.0.1', this.port, [], 2_000);
        return true;
      }, { timeoutMs: this.startTimeoutMs, intervalMs: 100, message: `Kafka node ${this.id} on 127.0.0.1:${this.port} to answer` });
    } catch (err) {
      await this.terminate('SIGKILL', 0);
      throw new Error(`${(err as Error).message}\noutput: ${this.outputTail}\nserver.log: ${this.logTail()}`, { cause: err });
    }
  }

  stop(): Promise<void> {
    return this.terminate('SIGTERM', this.killAfterMs);
  }

  /** SIGTERM deadline: longer for the JVM that writes the class archive at exit. */
  private get killAfterMs(): number {
    return this.dumpsClassArchive ? Math.max(this.stopTimeoutMs, 90_000) : this.stopTimeoutMs;
  }

  kill(): Promise<void> {
    return this.terminate('SIGKILL', 0);
  }

  async terminate(signal: NodeJS.Signals, killAfterMs: number): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    await this.exited;
    clearTimeout(timer);
  }

  private logTail(): string {
    try {
      return readFileSync(path.join(this.dir, 'logs', 'server.log'), 'utf8').slice(-3000);
    } catch {
      return '(none)';
    }
  }
}

/**
 * A detached shell that waits for this process to exit (however it dies, SIGKILL included),
 * then kills the brokers still running (java.pid files, removed when a JVM exits) and removes
 * the cluster dir. Returns a function that cancels it.
 */
function spawnReaper(dir: string): () => void {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'for f in "$2"/node-*/java.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; rm -rf "$2"';
  return spawnDetachedReaper('walcast-kafka-reaper', script, [dir]);
}

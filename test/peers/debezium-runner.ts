import { ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestDatabase } from '../infra/env';
import { uniqueName } from '../infra/names';
import { waitFor } from '../infra/wait';

// Debezium 3.6.1 (embedded engine + PostgreSQL connector + Kafka Connect's JsonConverter) as a
// child process: the reference walcast's envelopes are compared with. Built and cached by
// scripts/build-debezium-runner.sh; test/peers/debezium/ holds its Maven project and Java main.
// It prints one JSON line per record: {"topic","key","value","headers"}.

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD_SCRIPT = path.join(ROOT, 'scripts', 'build-debezium-runner.sh');

export interface DebeziumRecord {
  readonly topic: string;
  /** The key as JsonConverter wrote it, parsed; null for a keyless table. */
  readonly key: unknown;
  /** The value as JsonConverter wrote it, parsed; null for a tombstone. */
  readonly value: unknown;
  /** Connect headers (e.g. __debezium.oldkey), each as JsonConverter wrote it, parsed. */
  readonly headers: Readonly<Record<string, unknown>>;
  /** The line as printed (numbers keep their text here; JSON.parse rounds int8). */
  readonly raw: string;
}

export interface DebeziumOptions {
  /** Tables to capture, `schema.table` (table.include.list; the publication is filtered to them). */
  readonly tables: readonly string[];
  /** Any Debezium connector or engine property; wins over the defaults below. */
  readonly props?: Readonly<Record<string, string>>;
  /** JsonConverter schemas.enable=true ({schema, payload}). */
  readonly schemas?: boolean;
  /** How long to wait for the JVM, the snapshot and the start of streaming. Default 120 s. */
  readonly readyTimeoutMs?: number;
}

export interface DebeziumHandle {
  readonly slot: string;
  readonly publication: string;
  readonly topicPrefix: string;
  /** Records printed so far, in order, without the readiness probes. */
  records(): DebeziumRecord[];
  /** Waits until `predicate` holds for the records printed so far. */
  waitForRecords(predicate: (records: DebeziumRecord[]) => boolean, timeoutMs?: number): Promise<DebeziumRecord[]>;
  /** Log lines Debezium wrote to stderr (the last 200), for failure messages. */
  stderr(): string;
  /** SIGTERM (the engine closes and drops its slot), SIGKILL after 20 s; drops slot and publication. */
  stop(): Promise<void>;
}

/** Builds the runner when needed (cached: < 1 s) and returns the java classpath. */
export async function buildDebeziumRunner(timeoutMs = 900_000): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('bash', [BUILD_SCRIPT], { timeout: timeoutMs, maxBuffer: 1 << 20 });
    const dir = stdout.trim().split('\n').pop();
    if (!dir) throw new Error('build-debezium-runner.sh printed no directory');
    return `${path.join(dir, 'classes')}:${readFileSync(path.join(dir, 'classpath.txt'), 'utf8').trim()}`;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`building the Debezium runner failed: ${(err as Error).message}\n${stderr.slice(-2000)}`, { cause: err });
  }
}

/** A readiness probe: a logical message on this prefix, sent until Debezium prints it. */
const PROBE_PREFIX = 'walcast-debezium-probe';

export function isProbe(topic: string, key: unknown): boolean {
  if (!topic.endsWith('.message') || typeof key !== 'object' || key === null) return false;
  // With schemas on the key is {schema, payload}.
  const k = (key as { payload?: unknown }).payload ?? key;
  return typeof k === 'object' && k !== null && (k as { prefix?: unknown }).prefix === PROBE_PREFIX;
}

/**
 * Starts Debezium on `db` with its own slot and publication (random names) and resolves once it
 * has finished its snapshot and streams: a probe message emitted into the WAL came out.
 */
export async function startDebezium(db: TestDatabase, opts: DebeziumOptions): Promise<DebeziumHandle> {
  const classpath = await buildDebeziumRunner();
  const url = new URL(db.url);
  const name = uniqueName('dbz');
  const slot = name;
  const publication = name;
  const topicPrefix = name;
  const props: Record<string, string> = {
    'database.hostname': url.hostname,
    'database.port': url.port,
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.dbname': url.pathname.slice(1),
    'topic.prefix': topicPrefix,
    'slot.name': slot,
    'publication.name': publication,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': opts.tables.join(','),
    'slot.drop.on.stop': 'true',
    // Debezium skips truncates by default; the suite compares them.
    'skipped.operations': 'none',
    'status.update.interval.ms': '500',
    ...opts.props,
  };
  const args = [
    '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-cp', classpath, 'walcast.peer.DebeziumRunner',
    ...(opts.schemas ? ['--schemas'] : []),
    ...Object.entries(props).flatMap(([k, v]) => ['--prop', `${k}=${v}`]),
  ];
  // stdin stays an open pipe: the runner exits when it reaches EOF, i.e. when this process dies.
  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const all: DebeziumRecord[] = [];
  let pending = '';
  let errLines: string[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() === '') continue;
      const r = JSON.parse(line) as Omit<DebeziumRecord, 'raw'>;
      all.push({ ...r, raw: line });
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    errLines = errLines.concat(chunk.split('\n')).slice(-200);
  });
  const stderr = (): string => errLines.join('\n');
  const records = (): DebeziumRecord[] => all.filter((r) => !isProbe(r.topic, r.key));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    await stopChild(child);
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot]);
    await db.query(`DROP PUBLICATION IF EXISTS "${publication}"`);
  })());

  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`Debezium exited (code ${child.exitCode})`);
      if (all.some((r) => isProbe(r.topic, r.key))) return true;
      // Until streaming starts the probe lands before the slot's start and is never seen; keep sending.
      await db.query('SELECT pg_logical_emit_message(true, $1, $2)', [PROBE_PREFIX, 'ready?']);
      return false;
    }, {
      timeoutMs: opts.readyTimeoutMs ?? 120_000,
      intervalMs: 1_000,
      message: () => `Debezium to snapshot and stream (slot ${slot}); stderr:\n${stderr().slice(-3000)}`,
    });
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    slot, publication, topicPrefix: props['topic.prefix'] ?? topicPrefix, records, stderr, stop,
    waitForRecords: (predicate, timeoutMs = 60_000) => waitFor(() => {
      if (child.exitCode !== null) throw new Error(`Debezium exited (code ${child.exitCode})`);
      const rs = records();
      return predicate(rs) ? rs : undefined;
    }, { timeoutMs, intervalMs: 100, message: () => `Debezium records (${records().length} so far); stderr:\n${stderr().slice(-3000)}` }),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Debezium 3.6.1's PostgreSQL connector (the comparison suite's reference runner,
 * test/peers/debezium: embedded engine + Kafka Connect's JsonConverter, one JSON line per
 * record on stdout) on a slot and publication the bench created: it streams the same WAL as
 * walcast. The bench counts its lines; its CPU time is read from /proc like walcast's.
 *
 * JVM flags: full JIT (C2, unlike the test suite's -XX:TieredStopAtLevel=1, which trades
 * throughput for start time), the serial collector (no parallel GC threads burning the second
 * core), 512 MB heap: Debezium's cheapest steady state on this machine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { endChild, tail, track } from './children';
import { readCpuSeconds, sampleMemory } from './proc';
import type { BenchDb } from './workload';

/** The repository root above `from` (dist/bench/lib once compiled): where the build script is. */
function repoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts', 'build-debezium-runner.sh'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`repository root not found above ${from}`);
  }
}

/** scripts/build-debezium-runner.sh (Maven on the first run, cached after): the java classpath. */
function debeziumClasspath(): string {
  const out = execFileSync('bash', [path.join(repoRoot(__dirname), 'scripts', 'build-debezium-runner.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = out.trim().split('\n').pop();
  if (!dir) throw new Error('build-debezium-runner.sh printed no directory');
  return `${path.join(dir, 'classes')}:${readFileSync(path.join(dir, 'classpath.txt'), 'utf8').trim()}`;
}

export interface DebeziumRun {
  /** Spawn to the last expected record printed. */
  readonly seconds: number;
  /** Spawn to the first record printed (JVM start, connect, slot checks). */
  readonly startupSeconds: number;
  /** Process CPU seconds at the first record and at the last. */
  readonly startupCpuSeconds: number | null;
  readonly cpuSeconds: number | null;
  readonly peakRssBytes: number;
}

export async function runDebezium(opts: {
  readonly db: BenchDb; readonly slot: string; readonly publication: string; readonly table: string;
  readonly records: number; readonly progress: (msg: string) => void; readonly timeoutMs?: number;
}): Promise<DebeziumRun> {
  const classpath = debeziumClasspath();
  const url = new URL(opts.db.url);
  const props: Record<string, string> = {
    'database.hostname': url.hostname,
    'database.port': url.port,
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.dbname': opts.db.name,
    'topic.prefix': 'bench_dbz',
    'plugin.name': 'pgoutput',
    // The bench's slot and publication, created at the same point as walcast's.
    'slot.name': opts.slot,
    'publication.name': opts.publication,
    'publication.autocreate.mode': 'disabled',
    'table.include.list': opts.table,
    'snapshot.mode': 'no_data',
    'status.update.interval.ms': '1000',
  };
  const started = performance.now();
  const child = track(spawn('java', [
    '-Xmx512m', '-XX:+UseSerialGC', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-cp', classpath, 'walcast.peer.DebeziumRunner',
    ...Object.entries(props).flatMap(([k, v]) => ['--prop', `${k}=${v}`]),
  ], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const pid = child.pid;
  if (pid === undefined) throw new Error('debezium: java did not start');
  const err = tail(16_000);
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  const memory = sampleMemory(pid, 100);
  let lines = 0;
  let first: { at: number; cpu: number | null } | null = null;
  try {
    const end = await new Promise<{ at: number; cpu: number | null }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`debezium: ${lines} of ${opts.records} records after ${opts.timeoutMs ?? 600_000} ms\n${err.text()}`)), opts.timeoutMs ?? 600_000);
      let nextReport = performance.now() + 5000;
      child.stdout!.on('data', (d: Buffer) => {
        if (first === null) first = { at: performance.now(), cpu: readCpuSeconds(pid) };
        for (let i = d.indexOf(0x0a); i >= 0; i = d.indexOf(0x0a, i + 1)) lines++;
        if (performance.now() >= nextReport) {
          opts.progress(`  debezium: ${((performance.now() - started) / 1000).toFixed(0)} s, ${lines.toLocaleString('en-US')} records`);
          nextReport = performance.now() + 5000;
        }
        if (lines >= opts.records) { clearTimeout(timer); resolve({ at: performance.now(), cpu: readCpuSeconds(pid) }); }
      });
      child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`debezium exited (code ${code}, signal ${signal}) after ${lines} records\n${err.text()}`)); });
    });
    const peak = memory.stop();
    const f = first as { at: number; cpu: number | null } | null;
    return {
      seconds: (end.at - started) / 1000,
      startupSeconds: f === null ? 0 : (f.at - started) / 1000,
      startupCpuSeconds: f?.cpu ?? null,
      cpuSeconds: end.cpu,
      peakRssBytes: Math.max(peak.hwm, peak.rss),
    };
  } finally {
    memory.stop();
    child.stdin?.end();
    await endChild(child, 'SIGTERM', 20_000);
  }
}

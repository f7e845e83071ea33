/**
 * walcast as a child process (`node dist/connector/cli.js run --config <file>`), the way it runs
 * in production: its RSS is its own (not the bench driver's), read from /proc/<pid>/status
 * (VmHWM = peak). Progress is the slot's confirmed_flush_lsn, polled from the bench every 50 ms:
 * the run ends when it passes `targetLsn`, which (see workload.ts) means the last workload
 * commit was acked by the broker and confirmed to PostgreSQL.
 *
 * Latency in that measurement: walcast sends a standby status update on a timer of
 * min(source.heartbeatMs, 1000) ms when the confirmed LSN moved; the bench sets heartbeatMs to
 * 100 (the minimum), so the end is seen at most ~150 ms late (timer + poll).
 */
import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config/load';
import { MEMORY_FLAGS } from '../../connector/cli/memory-flags';
import { endChild, tail, track } from './children';
import { machineBusySince, readMachineBusySeconds, sampleCpu, type CpuShare, type MachineBusy } from './machine-cpu';
import { readCpuSeconds, readMemory, sampleMemory } from './proc';
import { SteadyWindowTracker, type SteadyWindow } from './steady-window';
import { BenchDb, confirmedFlushLsn } from './workload';

const CLI = path.resolve(__dirname, '..', '..', 'connector', 'cli.js');

/**
 * Node flags for the walcast children: the V8 heap sizing the bin, the image and scripts/walcast.sh
 * use (connector/cli/memory-flags.ts; WALCAST_BENCH_DEFAULT_HEAP=1 leaves V8's defaults, to
 * compare: no sizing, and `--allocation-site-pretenuring`, which walcast then does not turn off);
 * WALCAST_BENCH_NODE_FLAGS adds flags after them (a later V8 flag wins, so
 * `--max-semi-space-size=16` there tries another young generation, and
 * `--allocation-site-pretenuring` keeps V8's pretenuring); bench --profile adds --cpu-prof.
 */
const nodeFlags: string[] = [
  ...(process.env.WALCAST_BENCH_DEFAULT_HEAP === '1' ? ['--allocation-site-pretenuring'] : [...MEMORY_FLAGS]),
  ...(process.env.WALCAST_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f !== ''),
];

/** Where the children's stdout goes: one file opened once for all of them, or nowhere. */
const CHILD_STDOUT: 'ignore' | number = process.env.WALCAST_BENCH_CHILD_STDOUT ? openSync(process.env.WALCAST_BENCH_CHILD_STDOUT, 'a') : 'ignore';

/** Every later walcast child writes a V8 CPU profile into `dir` when it exits. */
export function profileWalcastInto(dir: string): void {
  nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`);
}

export interface WalcastRunOptions {
  /** Used for the config file name and messages. */
  readonly label: string;
  /** The whole config (JSON file content); validated with loadConfig before the start. */
  readonly config: Record<string, unknown>;
  readonly configDir: string;
  /** Database holding the slot, for polling confirmed_flush_lsn. */
  readonly db: BenchDb;
  readonly slot: string;
  readonly targetLsn: bigint;
  /** Where the slot started (for progress messages). */
  readonly startLsn: bigint;
  /** Fails when the confirmed LSN does not move for this long. Default 120 s. */
  readonly stallMs?: number;
  readonly progress: (msg: string) => void;
  /** Called with the child's pid after the target was reached and before it is stopped. */
  readonly beforeStop?: (pid: number) => Promise<void>;
  /** Process trees (name -> root pid) whose CPU streamingCpu splits out beside walcast's. */
  readonly cpuRoots?: Readonly<Record<string, number>>;
}

export interface WalcastRunResult {
  /** Spawn to confirmed_flush_lsn > target. */
  readonly seconds: number;
  /** Spawn to the "connector streaming" log line (node start, config, connect, inspect). */
  readonly startupSeconds: number | null;
  /** VmHWM: peak resident set of the walcast process, bytes. */
  readonly peakRssBytes: number;
  /** User + system CPU seconds of the walcast process until the target was reached. */
  readonly cpuSeconds: number | null;
  /** Its CPU seconds when it logged "connector streaming" (node start, config, connect, setup). */
  readonly startupCpuSeconds: number | null;
  /**
   * From "connector streaming" to the target: the whole machine's busy CPU seconds (every
   * process, /proc/stat) and its core count; null without the log line or /proc.
   */
  readonly streamingMachine: MachineBusy | null;
  /** The same window split by process tree: walcast and the cpuRoots, % of a core; null without cpuRoots or the log line. */
  readonly streamingCpu: CpuShare | null;
  /** walcast's CPU in the middle of its stream (steady-window.ts); null when no two polls fell in it. */
  readonly steady: SteadyWindow | null;
}

/** Writes the config (validated first, so a bad one fails readably) and starts `walcast run`. */
function spawnWalcast(opts: { label: string; config: Record<string, unknown>; configDir: string }): { child: ReturnType<typeof spawn>; pid: number; started: number } {
  const file = path.join(opts.configDir, `${opts.label}.json`);
  writeFileSync(file, JSON.stringify(opts.config, null, 2));
  loadConfig({ file, env: {} });
  const started = performance.now();
  const child = track(spawn(process.execPath, [...nodeFlags, CLI, 'run', '--config', file], {
    // stdout carries nothing walcast needs (its log goes to stderr); WALCAST_BENCH_CHILD_STDOUT
    // keeps it in a file, for V8's --trace-gc output (WALCAST_BENCH_NODE_FLAGS=--trace-gc).
    stdio: ['ignore', CHILD_STDOUT, 'pipe'],
    // No WALCAST_* from the caller's shell: the file is the whole config.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WALCAST_'))),
  }));
  if (child.pid === undefined) throw new Error(`${opts.label}: walcast did not start`);
  return { child, pid: child.pid, started };
}

export async function runWalcast(opts: WalcastRunOptions): Promise<WalcastRunResult> {
  const { child, pid, started } = spawnWalcast(opts);
  const err = tail(16_000);
  let startupSeconds: number | null = null;
  let startupCpuSeconds: number | null = null;
  let startupMachine: MachineBusy | null = null;
  let cpuSampler: { stop(): CpuShare } | null = null;
  let finished = false;
  let exited: string | null = null;
  child.stderr?.on('data', (d: Buffer) => {
    err.push(d);
    if (startupSeconds === null && d.toString().includes('"msg":"connector streaming"')) {
      startupSeconds = (performance.now() - started) / 1000;
      startupCpuSeconds = readCpuSeconds(pid);
      startupMachine = readMachineBusySeconds();
      // Not once the run is over (stderr may still deliver after the exit).
      if (opts.cpuRoots && !finished) cpuSampler = sampleCpu({ walcast: pid, ...opts.cpuRoots });
    }
  });
  child.once('exit', (code, signal) => { exited = `exited (code ${code}, signal ${signal})`; });
  const memory = sampleMemory(pid, 100);

  try {
    let last: bigint | null = null;
    let lastMove = performance.now();
    let nextReport = performance.now() + 5000;
    const steady = new SteadyWindowTracker();
    for (;;) {
      if (exited !== null) throw new Error(`${opts.label}: walcast ${exited} before confirming the workload\n${err.text()}`);
      const confirmed = await confirmedFlushLsn(opts.db, opts.slot);
      const now = performance.now();
      if (confirmed !== null && confirmed > opts.targetLsn) break;
      if (confirmed !== last) { last = confirmed; lastMove = now; }
      if (now - lastMove > (opts.stallMs ?? 120_000)) {
        throw new Error(`${opts.label}: confirmed_flush_lsn stuck for ${Math.round((now - lastMove) / 1000)} s\n${err.text()}`);
      }
      const done = confirmed === null || confirmed < opts.startLsn ? 0 : Number(confirmed - opts.startLsn) / Number(opts.targetLsn - opts.startLsn);
      if (steady.wants(done)) steady.observe(done, readCpuSeconds(pid), now);
      if (now >= nextReport) {
        opts.progress(`  ${opts.label}: ${((now - started) / 1000).toFixed(0)} s, ${(100 * done).toFixed(0)}% of the workload's WAL confirmed`);
        nextReport = now + 5000;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = readCpuSeconds(pid);
    // The cast: TypeScript cannot see the stderr callback assign it.
    const streamingMachine = machineBusySince(startupMachine as MachineBusy | null);
    const streamingCpu = (cpuSampler as { stop(): CpuShare } | null)?.stop() ?? null;
    const peak = memory.stop();
    await opts.beforeStop?.(pid);
    return { seconds, startupSeconds, peakRssBytes: Math.max(peak.hwm, peak.rss), cpuSeconds, startupCpuSeconds, streamingMachine, streamingCpu, steady: steady.window };
  } finally {
    finished = true;
    (cpuSampler as { stop(): CpuShare } | null)?.stop();
    memory.stop();
    await endChild(child, 'SIGTERM', 15_000);
  }
}

export interface WalcastExitOptions {
  readonly label: string;
  readonly config: Record<string, unknown>;
  readonly configDir: string;
  /** Fails when the process has not exited after this long. */
  readonly timeoutMs: number;
  /** A log message (pino `msg`) that means the run went wrong, e.g. "connector streaming" for initial_only. */
  readonly failOnMessage?: string;
  /**
   * Splits the CPU of a window of the run by process tree (walcast and `roots`): from the log
   * message (pino `msg`, its start) `from` to `to`.
   */
  readonly cpuWindow?: { readonly from: string; readonly to: string; readonly roots: Readonly<Record<string, number>> };
}

/** The CPU split of a WalcastExitOptions.cpuWindow, and how long the window lasted. */
export interface CpuWindowResult {
  readonly seconds: number;
  readonly share: CpuShare;
}

/** Runs walcast until it exits by itself (snapshot.mode initial_only); exit code 0 expected. */
export async function runWalcastToExit(opts: WalcastExitOptions): Promise<Omit<WalcastRunResult, 'startupSeconds' | 'startupCpuSeconds' | 'streamingMachine' | 'streamingCpu' | 'steady'> & {
  readonly log: string;
  /** null without cpuWindow, or when either of its log messages did not come. */
  readonly cpuWindow: CpuWindowResult | null;
}> {
  const { child, pid, started } = spawnWalcast(opts);
  const err = tail(16_000);
  let bad = false;
  const win = opts.cpuWindow;
  let sampler: { stop(): CpuShare; from: number } | null = null;
  let window: CpuWindowResult | null = null;
  let finished = false;
  child.stderr?.on('data', (d: Buffer) => {
    err.push(d);
    if (opts.failOnMessage !== undefined && err.text().includes(`"msg":"${opts.failOnMessage}"`)) bad = true;
    // Not once the run is over: a sampler started then would never be stopped.
    if (win === undefined || window !== null || finished) return;
    // The tail, not the chunk: a line may come in two chunks.
    const text = err.text();
    if (sampler === null && text.includes(`"msg":"${win.from}"`)) sampler = { ...sampleCpu({ walcast: pid, ...win.roots }), from: performance.now() };
    if (sampler !== null && text.includes(`"msg":"${win.to}"`)) window = { share: sampler.stop(), seconds: (performance.now() - sampler.from) / 1000 };
  });
  const memory = sampleMemory(pid, 100);
  let cpuSeconds: number | null = null;
  const cpuTimer = setInterval(() => { cpuSeconds = readCpuSeconds(pid) ?? cpuSeconds; }, 100);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const poll = setInterval(() => {
        if (bad) { clearInterval(poll); reject(new Error(`${opts.label}: logged "${opts.failOnMessage}"`)); }
        if (performance.now() - started > opts.timeoutMs) { clearInterval(poll); reject(new Error(`${opts.label}: still running after ${opts.timeoutMs} ms`)); }
      }, 50);
      // 'close', not 'exit': stderr has ended then, so its last lines (the window's end) were seen.
      child.once('close', (c) => { clearInterval(poll); resolve(c); });
    });
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`${opts.label}: walcast exited ${code}\n${err.text()}`);
    const peak = memory.stop();
    return { seconds, peakRssBytes: Math.max(peak.hwm, peak.rss), cpuSeconds, log: err.text(), cpuWindow: window };
  } finally {
    finished = true;
    (sampler as { stop(): CpuShare } | null)?.stop();
    clearInterval(cpuTimer);
    memory.stop();
    await endChild(child, 'SIGTERM', 15_000);
  }
}

/** A walcast child started ahead of a workload (see startWalcast). */
export interface RunningWalcast {
  readonly pid: number;
  /** Resolves once walcast logged "connector streaming"; rejects if it exits or takes longer. */
  streaming(timeoutMs?: number): Promise<void>;
  /** Resolves performance.now() at which the slot's confirmed_flush_lsn was seen past `lsn`. */
  confirmedPast(lsn: bigint, stallMs?: number): Promise<number>;
  /** Peak resident set (VmHWM) so far, bytes. */
  peakRssBytes(): number;
  /** User + system CPU seconds so far (null once it exited). */
  cpuSeconds(): number | null;
  /** The last 64 kB of its stderr (JSON log lines). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `walcast run` and leaves it running: for workloads that must run while walcast
 * streams (e.g. one large transaction whose commit-to-ack time is measured).
 */
export function startWalcast(opts: { label: string; config: Record<string, unknown>; configDir: string; db: BenchDb; slot: string }): RunningWalcast {
  const { child, pid } = spawnWalcast(opts);
  const err = tail(64_000);
  let exited: string | null = null;
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  child.once('exit', (code, signal) => { exited = `exited (code ${code}, signal ${signal})`; });
  const memory = sampleMemory(pid, 100);
  let peak = 0;
  const poll = async <T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (exited !== null) throw new Error(`${opts.label}: walcast ${exited} while waiting for ${what}\n${err.text()}`);
      const v = await probe();
      if (v !== null) return v;
      if (performance.now() > deadline) throw new Error(`${opts.label}: no ${what} after ${timeoutMs} ms\n${err.text()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    pid,
    streaming: async (timeoutMs = 60_000) => {
      await poll('"connector streaming" log line', timeoutMs, async () => (err.text().includes('"msg":"connector streaming"') ? true : null));
    },
    confirmedPast: (lsn, stallMs = 600_000) => poll(`confirmation past ${lsn}`, stallMs, async () => {
      const c = await confirmedFlushLsn(opts.db, opts.slot);
      return c !== null && c > lsn ? performance.now() : null;
    }),
    peakRssBytes: () => {
      const m = readMemory(pid);
      peak = Math.max(peak, m?.hwm ?? 0, m?.rss ?? 0);
      return peak;
    },
    cpuSeconds: () => readCpuSeconds(pid),
    log: () => err.text(),
    stop: async () => {
      const m = memory.stop();
      peak = Math.max(peak, m.hwm, m.rss);
      await endChild(child, 'SIGTERM', 15_000);
    },
  };
}

/**
 * CPU of the whole machine against CPU of the run's own processes, from /proc (Linux): the
 * machine is shared, and a figure measured while something else took the cores says so.
 *
 * The run's processes are the process trees under named roots (e.g. the bench, walcast, the
 * broker JVM, the PostgreSQL postmaster, which daemonizes); a process counts for the nearest
 * root above it. Both counts are in clock ticks (USER_HZ, 100 a second on Linux), so their
 * difference is what every other process (and the kernel) took. A process of the trees that
 * ended between the two readings is missed: its ticks then count as other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** USER_HZ: the unit of /proc/stat and /proc/<pid>/stat times on Linux. */
const TICKS_PER_SECOND = 100;

export interface CpuReading {
  readonly machineTicks: number;
  /** utime + stime of each process of the run's trees, with the root it counts for. */
  readonly runTicks: ReadonlyMap<number, { readonly root: string; readonly ticks: number }>;
}

export interface CpuShare {
  /** Per cent of one core, over the interval (to a tenth). */
  readonly machine: number;
  readonly run: number;
  readonly other: number;
  /** Per root, per cent of one core. */
  readonly byRoot: Readonly<Record<string, number>>;
}

interface ProcStat { readonly ppid: number; readonly ticks: number }

/** pid -> parent and CPU ticks; the command name (field 2) may hold spaces and parentheses. */
function processes(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the name: state(3) ppid(4) ... utime(14) stime(15), i.e. f[0] is field 3.
    out.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
  }
  return out;
}

/** Busy ticks of /proc/stat's first line (all cores). */
function busyTicksOf(stat: string): number {
  const cpu = stat.split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return user! + nice! + system! + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
}

function machineBusyTicks(): number {
  return busyTicksOf(readFileSync('/proc/stat', 'utf8'));
}

/** CPU seconds the whole machine spent busy (every process, all cores), and its core count. */
export interface MachineBusy {
  readonly busySeconds: number;
  readonly cores: number;
}

/** The machine's busy CPU seconds so far; null where there is no /proc. */
export function readMachineBusySeconds(): MachineBusy | null {
  try {
    const stat = readFileSync('/proc/stat', 'utf8');
    return { busySeconds: busyTicksOf(stat) / TICKS_PER_SECOND, cores: stat.split('\n').filter((l) => /^cpu\d+\s/.test(l)).length };
  } catch {
    return null;
  }
}

/** What the machine spent busy since `from` (a readMachineBusySeconds reading); null without both readings. */
export function machineBusySince(from: MachineBusy | null): MachineBusy | null {
  const to = readMachineBusySeconds();
  return from === null || to === null ? null : { busySeconds: to.busySeconds - from.busySeconds, cores: to.cores };
}

/** The machine's busy ticks and the ticks of every process under `roots` (name -> pid; roots included). */
export function readCpu(roots: Readonly<Record<string, number>>): CpuReading {
  const procs = processes();
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(pid);
    else children.set(p.ppid, [pid]);
  }
  const rootPids = new Set(Object.values(roots));
  const runTicks = new Map<number, { root: string; ticks: number }>();
  for (const [root, rootPid] of Object.entries(roots)) {
    const stack = procs.has(rootPid) ? [rootPid] : [];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (runTicks.has(pid) || (pid !== rootPid && rootPids.has(pid))) continue; // another root's
      runTicks.set(pid, { root, ticks: procs.get(pid)!.ticks });
      stack.push(...(children.get(pid) ?? []));
    }
  }
  return { machineTicks: machineBusyTicks(), runTicks };
}

/** What the machine and the run's processes used between two readings, `seconds` apart. */
export function cpuShare(before: CpuReading, after: CpuReading, seconds: number): CpuShare {
  // To a tenth of a per cent: CPU per row is derived from these.
  const pct = (ticks: number): number => Math.round((1000 * ticks) / TICKS_PER_SECOND / seconds) / 10;
  const byRootTicks: Record<string, number> = {};
  let run = 0;
  for (const [pid, { root, ticks }] of after.runTicks) {
    const used = ticks - (before.runTicks.get(pid)?.ticks ?? 0);
    byRootTicks[root] = (byRootTicks[root] ?? 0) + used;
    run += used;
  }
  const machine = after.machineTicks - before.machineTicks;
  const byRoot = Object.fromEntries(Object.entries(byRootTicks).map(([root, ticks]) => [root, pct(ticks)]));
  return { machine: pct(machine), run: pct(run), other: pct(Math.max(0, machine - run)), byRoot };
}

/**
 * readCpu every `intervalMs` until stop(): the share over the whole interval, where a process of
 * the trees that ended meanwhile (pg_recvlogical's walsender ends with it) still counts with the
 * ticks of its last reading, not as other.
 */
export function sampleCpu(roots: Readonly<Record<string, number>>, intervalMs = 500): { stop(): CpuShare } {
  const started = performance.now();
  const first = readCpu(roots);
  const seen = new Map(first.runTicks);
  let lastMachineTicks = first.machineTicks;
  const take = (): void => {
    // Every /proc/<pid>/stat is read: not too often, its CPU counts as "everything else".
    try {
      const r = readCpu(roots);
      for (const [pid, t] of r.runTicks) seen.set(pid, t);
      lastMachineTicks = r.machineTicks;
    } catch {
      // /proc unreadable for a moment: the last reading stands
    }
  };
  const timer = setInterval(take, intervalMs);
  timer.unref();
  let share: CpuShare | null = null;
  return {
    /** The share until the first call; later calls give the same. */
    stop(): CpuShare {
      if (share !== null) return share;
      clearInterval(timer);
      take();
      share = cpuShare(first, { machineTicks: lastMachineTicks, runTicks: seen }, (performance.now() - started) / 1000);
      return share;
    },
  };
}

/** The postmaster's pid (first line of postmaster.pid): the root of every PostgreSQL process, the walsenders included. */
export function postmasterPid(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
}

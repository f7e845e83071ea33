import { spawn, type ChildProcess } from 'node:child_process';
import { cpuShare, readCpu, type CpuReading } from '../../../bench/lib/machine-cpu';

const reading = (machineTicks: number, procs: Array<[number, string, number]>): CpuReading => ({
  machineTicks,
  runTicks: new Map(procs.map(([pid, root, ticks]) => [pid, { root, ticks }])),
});

describe('cpuShare', () => {
  it('splits the machine into the run (per root) and everything else, per cent of one core', () => {
    const before = reading(1_000, [[10, 'bench', 50], [20, 'walcast', 30]]);
    // pid 30 started in between: all its ticks are new; pid 20 ended: its ticks are missed.
    const after = reading(1_400, [[10, 'bench', 150], [30, 'PostgreSQL', 120]]);
    expect(cpuShare(before, after, 2)).toEqual({ machine: 200, run: 110, other: 90, byRoot: { bench: 50, PostgreSQL: 60 } });
  });

  it('never reports a negative remainder', () => {
    expect(cpuShare(reading(0, []), reading(10, [[1, 'bench', 20]]), 1).other).toBe(0);
  });
});

describe('readCpu', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it("counts a root's descendants for it, unless a descendant is a root of its own", () => {
    child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid!;
    const asDescendant = readCpu({ self: process.pid });
    expect(asDescendant.runTicks.get(process.pid)?.root).toBe('self');
    expect(asDescendant.runTicks.get(pid)?.root).toBe('self');
    const asRoot = readCpu({ self: process.pid, sleeper: pid });
    expect(asRoot.runTicks.get(pid)?.root).toBe('sleeper');
    expect(asRoot.runTicks.get(process.pid)?.root).toBe('self');
    expect(asRoot.machineTicks).toBeGreaterThan(0);
  });

  it('sees the CPU a process spent', () => {
    const before = readCpu({ self: process.pid });
    const until = process.cpuUsage().user + 150_000; // 150 ms of user CPU
    while (process.cpuUsage().user < until) { /* burn CPU: the reading must grow */ }
    const after = readCpu({ self: process.pid });
    expect(after.runTicks.get(process.pid)!.ticks - before.runTicks.get(process.pid)!.ticks).toBeGreaterThanOrEqual(10);
    expect(after.machineTicks).toBeGreaterThan(before.machineTicks);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { cpuShare, readCpu, sampleCpu, type CpuReading, type CpuShare } from '../../../bench/lib/machine-cpu';
import { streamingCpuNotes } from '../../../bench/scenarios/spine';

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

describe('sampleCpu', () => {
  it('keeps the CPU of a process that ended before stop() (a walsender ends with its client)', async () => {
    // 200 ms of user CPU, then exit.
    const child = spawn(process.execPath, ['-e', 'const u = process.cpuUsage().user + 200000; while (process.cpuUsage().user < u);'], { stdio: 'ignore' });
    const sampler = sampleCpu({ burner: child.pid! }, 20);
    // (the burner's last reading before its exit is what counts)
    await new Promise((resolve) => child.once('exit', resolve));
    const share = sampler.stop();
    // Read after the exit alone, the process is gone and its CPU would be 0.
    expect(share.byRoot.burner).toBeGreaterThan(0);
    expect(sampler.stop()).toBe(share);
  });
});

describe('streamingCpuNotes', () => {
  const share = (byRoot: Record<string, number>, other = 5): CpuShare => ({ machine: 0, run: 0, other, byRoot });

  it('scales PostgreSQL and the broker to the target rate and gives walcast what is left', () => {
    // 100,000 rows in 2 s of streaming: 50% of a core for 2 s is 1 s, 10 us per row.
    const notes = streamingCpuNotes({
      rows: 100_000, cores: 2, streamingSeconds: 2, share: share({ walcast: 90, PostgreSQL: 50, broker: 10 }),
      recvlogical: share({ pg_recvlogical: 30, PostgreSQL: 95 }), referenceRate: 100_000, targetRatio: 0.8,
    });
    expect(notes[0]).toContain('walcast 90, PostgreSQL 50 (its walsender), broker 10');
    expect(notes[1]).toContain('pg_recvlogical 30, PostgreSQL 95');
    // 80,000 rows/s x (10 + 2 us) = 0.96 cores; 1.04 left: 13 us per row; walcast took 18.
    expect(notes[2]).toContain('(10.00 + 2.00 us) would take 0.96 of the 2 cores');
    expect(notes[2]).toContain('other 1.04 (its main thread in at most one): <= 12.50 us per row (this run: 18.00)');
  });

  it('says so when nothing is left', () => {
    const notes = streamingCpuNotes({
      rows: 10_000, cores: 2, streamingSeconds: 1, share: share({ walcast: 90, PostgreSQL: 100, broker: 100 }), recvlogical: null, referenceRate: 100_000, targetRatio: 0.8,
    });
    expect(notes).toHaveLength(2);
    expect(notes[1]).toContain('nothing would be left for walcast');
  });
});

test('cpuShare gives tenths of a per cent (CPU per row is derived from it)', () => {
  expect(cpuShare(reading(0, [[1, 'walcast', 0]]), reading(300, [[1, 'walcast', 77]]), 3).byRoot.walcast).toBe(25.7);
});

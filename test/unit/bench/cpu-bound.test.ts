import { cpuBoundLine, cpuSplitLine, referenceSplitLine, usPerRow, type CpuWindow } from '../../../bench/lib/cpu-bound';

const window = (byRoot: Record<string, number>, rows = 100_000, seconds = 2): CpuWindow => ({
  rows, seconds, cores: 2, share: { machine: 170, run: 160, other: 10, byRoot },
});

describe('cpu-bound', () => {
  it('turns a share of a core over the window into CPU per row', () => {
    // 50% of a core for 2 s is 1 CPU second; over 100,000 rows, 10 us each.
    expect(usPerRow(window({}), 50)).toBeCloseTo(10, 10);
  });

  it("names the window and PostgreSQL's role in the split", () => {
    const line = cpuSplitLine('while it read (2.00 s)', 'its COPY backends', window({ walcast: 99.5, PostgreSQL: 10, broker: 40 }));
    expect(line).toBe('CPU while it read (2.00 s), % of one core (2 cores): walcast 99.5, PostgreSQL 10 (its COPY backends), broker 40, '
      + "everything else 10 (the bench's polling, the kernel, other tenants); machine 170.");
  });

  it('counts a root the sampler did not see as 0', () => {
    expect(cpuSplitLine('now', 'x', window({ walcast: 80 }))).toContain('PostgreSQL 0 (x), broker 0,');
  });

  it('scales PostgreSQL and the broker to the target and caps walcast at one core', () => {
    // PostgreSQL 2 us + broker 4 us per row; at 0.5 x 200,000 = 100,000 rows/s they take 0.6 cores.
    // 1.4 are left, but walcast's main thread has one: 10 us per row. It took 20 (100% of a core).
    const line = cpuBoundLine(window({ walcast: 100, PostgreSQL: 10, broker: 20 }), 200_000, 0.5);
    expect(line).toContain('At 0.50x (100,000 rows/s)');
    expect(line).toContain('(2.00 + 4.00 us) would take 0.60 of the 2 cores');
    expect(line).toContain('the other 1.40 (its main thread in at most one): <= 10.00 us per row (this run: 20.00)');
  });

  it('gives walcast only what is left when that is less than a core', () => {
    // PostgreSQL 4 us + broker 12 us per row at 100,000 rows/s: 1.6 cores; 0.4 left: 4 us per row.
    const line = cpuBoundLine(window({ walcast: 100, PostgreSQL: 20, broker: 60 }), 200_000, 0.5);
    expect(line).toContain('(4.00 + 12.00 us) would take 1.60 of the 2 cores');
    expect(line).toContain('the other 0.40 (its main thread in at most one): <= 4.00 us per row');
  });
});

test("a reference run's split names each root as asked, 0 for one not seen", () => {
  const share = { machine: 150, run: 120, other: 30, byRoot: { psql: 20, PostgreSQL: 100 } };
  expect(referenceSplitLine('psql COPY x1, % of one core', share, [['psql', 'psql (and the bench)'], ['PostgreSQL', 'PostgreSQL'], ['broker', 'broker (idle)']]))
    .toBe('psql COPY x1, % of one core: psql (and the bench) 20, PostgreSQL 100, broker (idle) 0, everything else 30; machine 150.');
});

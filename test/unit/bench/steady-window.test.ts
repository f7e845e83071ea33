import { STEADY_FROM, STEADY_TO, SteadyWindowTracker, steadyCpuPerRow, steadyNote } from '../../../bench/lib/steady-window';

/** Feeds the tracker the polls [fraction, cpu seconds, ms] the way runWalcast does. */
function track(polls: readonly (readonly [number, number | null, number])[]): SteadyWindowTracker {
  const t = new SteadyWindowTracker();
  for (const [f, cpu, at] of polls) if (t.wants(f)) t.observe(f, cpu, at);
  return t;
}

describe('steady window', () => {
  it('spans the first poll at or past 30% to the first at or past 90%', () => {
    expect(STEADY_FROM).toBe(0.3);
    expect(STEADY_TO).toBe(0.9);
    const t = track([[0, 0.1, 0], [0.2, 0.5, 1000], [0.35, 0.9, 2000], [0.6, 1.4, 3000], [0.92, 2.3, 4500], [1, 2.6, 5000]]);
    expect(t.window).toEqual({ fromFraction: 0.35, toFraction: 0.92, cpuSeconds: 2.3 - 0.9, seconds: 2.5 });
  });

  it('has no window when the first poll past 30% is already past 90%, or the run ends inside it', () => {
    expect(track([[0.1, 0.2, 0], [0.95, 1, 500], [1, 1.1, 600]]).window).toBeNull();
    expect(track([[0.4, 0.5, 0], [0.8, 1, 500]]).window).toBeNull();
  });

  it('skips polls whose CPU could not be read', () => {
    const t = track([[0.31, null, 0], [0.4, 1, 100], [0.9, null, 900], [0.93, 3, 1100]]);
    expect(t.window).toEqual({ fromFraction: 0.4, toFraction: 0.93, cpuSeconds: 2, seconds: 1 });
  });

  it('wants a CPU reading only at the window\'s edges, and none once it is complete', () => {
    const t = new SteadyWindowTracker();
    expect(t.wants(0.1)).toBe(false);
    expect(t.wants(0.95)).toBe(false); // no start yet: a first poll past the end opens nothing
    expect(t.wants(0.5)).toBe(true);
    t.observe(0.5, 1, 0);
    expect(t.wants(0.6)).toBe(false); // inside the window: not an edge
    expect(t.wants(0.95)).toBe(true);
    t.observe(0.95, 2, 1000);
    expect(t.wants(0.97)).toBe(false);
  });

  it('turns the window into µs per row over its share of the rows', () => {
    // 1,000,000 rows, 0.35..0.95 of the WAL: 600,000 rows in 4.2 CPU-s = 7 µs per row.
    const w = { fromFraction: 0.35, toFraction: 0.95, cpuSeconds: 4.2, seconds: 5 };
    expect(steadyCpuPerRow(1_000_000, w)).toBeCloseTo(7, 10);
    expect(steadyCpuPerRow(1_000_000, null)).toBeNull();
    expect(steadyCpuPerRow(1_000_000, { ...w, cpuSeconds: 0 })).toBeNull();
    expect(steadyNote('walcast', 1_000_000, w)).toContain('35% and 95%');
    expect(steadyNote('walcast', 1_000_000, w)).toContain('600,000 rows, 5.00 s, 84% of a core');
    expect(steadyNote('walcast', 1_000_000, null)).toContain('n/a');
  });
});

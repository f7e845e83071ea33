import { quantileBound, readHistogram } from '../../../bench/lib/prom-histogram';

const TEXT = `# HELP walcast_behind_source_seconds Commit time to broker ack
# TYPE walcast_behind_source_seconds histogram
walcast_behind_source_seconds_bucket{le="0.005",connector="x"} 10
walcast_behind_source_seconds_bucket{le="0.01",connector="x"} 60
walcast_behind_source_seconds_bucket{le="0.05",connector="x"} 98
walcast_behind_source_seconds_bucket{le="0.1",connector="x"} 100
walcast_behind_source_seconds_bucket{le="+Inf",connector="x"} 100
walcast_behind_source_seconds_sum{connector="x"} 1.5
walcast_behind_source_seconds_count{connector="x"} 100
walcast_other_bucket{le="1"} 5
`;

describe('prom histogram', () => {
  it('reads the cumulative buckets of one histogram', () => {
    expect(readHistogram(TEXT, 'walcast_behind_source_seconds')).toEqual({
      le: [0.005, 0.01, 0.05, 0.1, Infinity], counts: [10, 60, 98, 100, 100],
    });
    expect(readHistogram(TEXT, 'walcast_missing')).toBeNull();
  });

  it('gives the bucket bound a quantile fell under', () => {
    const h = readHistogram(TEXT, 'walcast_behind_source_seconds')!;
    expect(quantileBound(h, 0.5)).toBe(0.01);
    expect(quantileBound(h, 0.98)).toBe(0.05);
    expect(quantileBound(h, 0.99)).toBe(0.1);
    expect(quantileBound({ le: [1, Infinity], counts: [0, 0] }, 0.5)).toBeNaN();
  });
});

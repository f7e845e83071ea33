import { createMetrics } from '../../../connector/observe/metrics';
import { meteredProgress } from '../../../connector/snapshot/metered-progress';
import type { SnapshotProgress } from '../../../connector/snapshot/progress';

describe('meteredProgress', () => {
  it('reports rows done and estimated per table, and passes every call on', async () => {
    const calls: string[] = [];
    const inner: SnapshotProgress = {
      rows: (i, n) => calls.push(`rows ${i} ${n}`), tableDone: (i) => calls.push(`done ${i}`), stop: () => calls.push('stop'),
    };
    const metrics = createMetrics();
    const value = async (name: string, table: string): Promise<string | undefined> =>
      (await metrics.render()).split('\n').find((l) => l.startsWith(`walcast_${name}{table="${table}"`))?.split(' ').pop();
    const p = meteredProgress(inner, [{ name: 'public.a', estimatedRows: 100 }, { name: 'public.b', estimatedRows: -1 }], metrics);
    expect(await value('snapshot_rows_done', 'public.a')).toBe('0');
    p.rows(0, 60);
    p.rows(0, 70); // more rows than reltuples said: the estimate grows with them
    p.rows(1, 5);
    expect(await value('snapshot_rows_done', 'public.a')).toBe('130');
    expect(await value('snapshot_rows_estimated', 'public.a')).toBe('130');
    expect(await value('snapshot_rows_estimated', 'public.b')).toBeUndefined();
    p.tableDone(1);
    p.stop();
    expect(await value('snapshot_rows_estimated', 'public.b')).toBe('5');
    expect((await metrics.render())).toContain('walcast_events_total{table="public.a",op="r",phase="snapshot"} 130');
    expect(calls).toEqual(['rows 0 60', 'rows 0 70', 'rows 1 5', 'done 1', 'stop']);
  });
});

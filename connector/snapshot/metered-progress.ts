/**
 * Snapshot progress for /metrics: wraps what people see (progress.ts) and also reports, per
 * table, rows read and rows expected, and counts the rows as op 'r' snapshot events. Fed once
 * per fetched batch of rows, not per row.
 */
import type { Metrics } from '../observe/metrics';
import type { ProgressTable, SnapshotProgress } from './progress';

export function meteredProgress(inner: SnapshotProgress, tables: readonly ProgressTable[], metrics: Metrics | undefined): SnapshotProgress {
  if (!metrics) return inner;
  const done = tables.map(() => 0);
  for (const t of tables) metrics.snapshotTableStarted(t.name, t.estimatedRows);
  return {
    rows(i, count) {
      inner.rows(i, count);
      const t = tables[i]!;
      done[i]! += count;
      metrics.eventPublished(t.name, 'r', count, 'snapshot');
      // reltuples is an estimate: a table holding more rows than it says is expected to hold at least what was read.
      metrics.snapshotRows(t.name, done[i]!, t.estimatedRows >= 0 ? Math.max(t.estimatedRows, done[i]!) : -1);
    },
    tableDone(i) {
      inner.tableDone(i);
      metrics.snapshotRows(tables[i]!.name, done[i]!, done[i]!);
    },
    stop: () => inner.stop(),
  };
}

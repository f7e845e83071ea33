/**
 * Snapshot progress people can see: with a terminal, one cli-progress bar per table being read
 * (rows / estimated rows, rate, ETA) on stderr; otherwise JSON log lines per table at most every
 * `logEveryMs` plus one when the table is done. Estimates come from pg_class.reltuples, so
 * a bar's total grows when the table holds more rows than the statistics say.
 *
 * Bars are drawn through the stream's Console (observe/console.ts), which the logger writes
 * through too: log lines appear above the bars, and stop() erases unfinished bars (Ctrl-C).
 */
import { Presets, type SingleBar } from 'cli-progress';
import { consoleFor } from '../observe/console';
import type { Logger } from '../observe/logger';
import type { ProgressMode } from './types';

export interface ProgressTable {
  readonly name: string;
  /** -1 when unknown. */
  readonly estimatedRows: number;
}

export interface SnapshotProgress {
  rows(table: number, count: number): void;
  tableDone(table: number): void;
  stop(): void;
}

interface TableState {
  readonly startedAt: number;
  done: number;
  lastLogAt: number;
  bar?: SingleBar;
}

export interface ProgressDeps {
  readonly logger: Logger;
  readonly stream?: NodeJS.WriteStream;
  readonly now?: () => number;
  readonly logEveryMs?: number;
}

export function createProgress(mode: ProgressMode, tables: readonly ProgressTable[], deps: ProgressDeps): SnapshotProgress {
  const stream = deps.stream ?? process.stderr;
  const resolved = mode === 'auto' ? (stream.isTTY ? 'bar' : 'log') : mode;
  if (resolved === 'none') return { rows: () => undefined, tableDone: () => undefined, stop: () => undefined };
  return resolved === 'bar' ? barProgress(tables, stream, deps) : logProgress(tables, deps);
}

const rate = (done: number, startedAt: number, now: number): number =>
  Math.round(done / Math.max((now - startedAt) / 1000, 0.001));

const percent = (done: number, estimated: number): number | null =>
  estimated > 0 ? Math.min(100, Math.round((done / estimated) * 1000) / 10) : null;

function logProgress(tables: readonly ProgressTable[], deps: ProgressDeps): SnapshotProgress {
  const now = deps.now ?? Date.now;
  const every = deps.logEveryMs ?? 5000;
  const states = new Map<number, TableState>();
  const log = (i: number, s: TableState, finished: boolean): void => {
    const t = tables[i]!;
    const at = now();
    s.lastLogAt = at;
    const rowsEstimated = finished ? s.done : t.estimatedRows;
    deps.logger.info(
      {
        table: t.name, rowsDone: s.done, rowsEstimated, rowsPerSec: rate(s.done, s.startedAt, at),
        percent: finished ? 100 : percent(s.done, rowsEstimated),
      },
      finished ? `snapshot of ${t.name} done: ${s.done} rows` : `snapshot of ${t.name}: ${s.done} rows read`,
    );
  };
  return {
    rows(i, count) {
      let s = states.get(i);
      if (!s) {
        const at = now();
        s = { startedAt: at, done: 0, lastLogAt: at };
        states.set(i, s);
      }
      s.done += count;
      if (now() - s.lastLogAt >= every) log(i, s, false);
    },
    tableDone(i) {
      const s = states.get(i) ?? { startedAt: now(), done: 0, lastLogAt: 0 };
      states.delete(i);
      log(i, s, true);
    },
    stop: () => states.clear(),
  };
}

function barProgress(tables: readonly ProgressTable[], stream: NodeJS.WriteStream, deps: ProgressDeps): SnapshotProgress {
  const now = deps.now ?? Date.now;
  const width = Math.min(40, Math.max(...tables.map((t) => t.name.length), 5));
  const multibar = consoleFor(stream).bars(
    {
      format: `{table} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}`,
      hideCursor: true,
      // 20 leaves room for a table name, counts, rate and ETA on an 80-column terminal.
      barsize: 20,
      stopOnComplete: false,
      etaBuffer: 50,
      fps: 5,
    },
    Presets.shades_classic,
  );
  const states = new Map<number, TableState>();
  const label = (i: number): string => tables[i]!.name.slice(0, width).padEnd(width);
  return {
    rows(i, count) {
      let s = states.get(i);
      if (!s) {
        const at = now();
        const total = Math.max(1, tables[i]!.estimatedRows);
        s = { startedAt: at, done: 0, lastLogAt: at, bar: multibar.create(total, 0, { table: label(i), rate: 0 }) };
        states.set(i, s);
      }
      s.done += count;
      const bar = s.bar!;
      if (s.done > bar.getTotal()) bar.setTotal(s.done);
      bar.update(s.done, { table: label(i), rate: rate(s.done, s.startedAt, now()) });
    },
    tableDone(i) {
      const s = states.get(i);
      states.delete(i);
      if (s?.bar) {
        s.bar.setTotal(s.done);
        s.bar.update(s.done);
        multibar.redraw(); // draw the final state before the bar goes away
        multibar.remove(s.bar);
      }
      deps.logger.info({ table: tables[i]!.name, rowsDone: s?.done ?? 0 }, `snapshot of ${tables[i]!.name} done: ${s?.done ?? 0} rows`);
    },
    stop: () => multibar.stop(),
  };
}

/**
 * wal2json: the same workload through walcast three times, pgoutput, wal2json, pgoutput (one slot
 * per run, all created at the same point before the workload), sink Apache Kafka. Back-to-back
 * runs on this shared machine and broker differ by more than the target's margin, so wal2json is
 * compared with the two pgoutput runs around it: the reference rate is the rows over their mean
 * time, and a drift across the three runs weighs on both sides alike.
 */
import { benchConfig, rate, ratio } from '../lib/config';
import type { BenchContext, Scenario } from '../lib/context';
import { MB } from '../lib/proc';
import { ResultTable } from '../lib/table';
import { runWalcast, WalcastRunResult } from '../lib/walcast-process';
import { createBenchDatabase, createBenchTable, createPublication, createSlots, dropSlots, runWorkload } from '../lib/workload';

const PUBLICATION = 'bench_pub';
/** In the order they run. */
const RUNS = [
  { label: 'pgoutput, first', plugin: 'pgoutput', slot: 'bench_w2j_pgoutput_1' },
  { label: 'wal2json', plugin: 'wal2json', slot: 'bench_w2j_wal2json' },
  { label: 'pgoutput, third', plugin: 'pgoutput', slot: 'bench_w2j_pgoutput_3' },
] as const;

const meanOf = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : (a + b) / 2);
const cpuText = (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(2)} s`);

export const wal2json: Scenario = {
  name: 'wal2json',
  summary: 'walcast with source.plugin wal2json vs pgoutput (same WAL; pgoutput run before and after), sink Kafka',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const db = await createBenchDatabase(ctx.pg, 'bench_wal2json');
    await createBenchTable(db);
    await createPublication(db, PUBLICATION);
    const startLsn = await createSlots(db, RUNS.map((r) => ({ name: r.slot, plugin: r.plugin })));
    try {
      ctx.progress(`wal2json: inserting ${ctx.rows.toLocaleString('en-US')} rows`);
      const w = await runWorkload(db, ctx.rows, ctx.progress);
      const bootstrap = await ctx.kafka();
      const results: WalcastRunResult[] = [];
      for (const [i, r] of RUNS.entries()) {
        ctx.progress(`wal2json: walcast with ${r.label}`);
        results.push(await runWalcast({
          label: `walcast-${r.plugin}-${i + 1}`, configDir: ctx.tmpDir, db, slot: r.slot, startLsn, targetLsn: w.lastLsn, progress: ctx.progress,
          config: benchConfig({
            name: `bench-${r.plugin}-${i + 1}`, url: db.url, plugin: r.plugin, slot: r.slot, publication: PUBLICATION,
            stateDir: ctx.tmpDir, sink: { type: 'kafka', kafka: { brokers: [bootstrap] } },
          }),
        }));
      }
      const [first, wj, third] = results as [WalcastRunResult, WalcastRunResult, WalcastRunResult];
      const pgRate = rate(w.rows, (first.seconds + third.seconds) / 2);
      const row = (label: string, r: WalcastRunResult): Array<string | number | null> => [
        label, r.seconds, Math.round(rate(w.rows, r.seconds)), ratio(rate(w.rows, r.seconds), pgRate),
        r.startupSeconds, r.cpuSeconds, Math.round(r.peakRssBytes / MB)];
      return [{
        title: `wal2json: ${w.rows.toLocaleString('en-US')} rows through walcast -> kafka (${ctx.kafkaKind}), per output plugin`,
        columns: ['source.plugin', 'seconds', 'rows/s', 'vs pgoutput', 'startup s', 'CPU s', 'peak RSS MB'],
        rows: RUNS.map((r, i) => row(r.label, results[i]!)),
        notes: [
          'Each: spawn of walcast until its slot\'s confirmed_flush_lsn passed the last commit (same WAL, same run), in the order listed.',
          `vs pgoutput: against the rows over the mean time of the two pgoutput runs (${Math.round(pgRate).toLocaleString('en-US')} rows/s), `
            + `so a drift across the three runs weighs on both sides alike; wal2json ${ratio(rate(w.rows, wj.seconds), pgRate)} (target >= 0.80x). `
            + `Process CPU, spawn to the end: wal2json ${cpuText(wj.cpuSeconds)}, pgoutput ${cpuText(meanOf(first.cpuSeconds, third.cpuSeconds))} (mean of the two).`,
        ],
      }];
    } finally {
      await dropSlots(db, RUNS.map((r) => r.slot));
    }
  },
};

/**
 * wal2json: the same workload through walcast twice, with source.plugin pgoutput and wal2json
 * (one slot of each plugin created at the same point before the workload), sink Apache Kafka;
 * pgoutput runs first, so wal2json's run carries the broker's second-run slowdown (bench/README.md).
 */
import { benchConfig, rate, ratio } from '../lib/config';
import type { BenchContext, Scenario } from '../lib/context';
import { MB } from '../lib/proc';
import { ResultTable } from '../lib/table';
import { runWalcast, WalcastRunResult } from '../lib/walcast-process';
import { createBenchDatabase, createBenchTable, createPublication, createSlots, dropSlots, runWorkload } from '../lib/workload';

const PUBLICATION = 'bench_pub';
const SLOTS = { pgoutput: 'bench_w2j_pgoutput', wal2json: 'bench_w2j_wal2json' } as const;

export const wal2json: Scenario = {
  name: 'wal2json',
  summary: 'walcast with source.plugin wal2json vs pgoutput (same WAL), sink Kafka',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const db = await createBenchDatabase(ctx.pg, 'bench_wal2json');
    await createBenchTable(db);
    await createPublication(db, PUBLICATION);
    const startLsn = await createSlots(db, [
      { name: SLOTS.pgoutput, plugin: 'pgoutput' }, { name: SLOTS.wal2json, plugin: 'wal2json' }]);
    try {
      ctx.progress(`wal2json: inserting ${ctx.rows.toLocaleString('en-US')} rows`);
      const w = await runWorkload(db, ctx.rows, ctx.progress);
      const bootstrap = await ctx.kafka();
      const results = new Map<'pgoutput' | 'wal2json', WalcastRunResult>();
      for (const plugin of ['pgoutput', 'wal2json'] as const) {
        ctx.progress(`wal2json: walcast with ${plugin}`);
        const name = `bench-${plugin}`;
        results.set(plugin, await runWalcast({
          label: `walcast-${plugin}`, configDir: ctx.tmpDir, db, slot: SLOTS[plugin], startLsn, targetLsn: w.lastLsn, progress: ctx.progress,
          config: benchConfig({
            name, url: db.url, plugin, slot: SLOTS[plugin], publication: PUBLICATION,
            stateDir: ctx.tmpDir, sink: { type: 'kafka', kafka: { brokers: [bootstrap] } },
          }),
        }));
      }
      const pg = results.get('pgoutput') as WalcastRunResult;
      const wj = results.get('wal2json') as WalcastRunResult;
      const pgRate = rate(w.rows, pg.seconds);
      const row = (label: string, r: WalcastRunResult): Array<string | number | null> => [
        label, r.seconds, Math.round(rate(w.rows, r.seconds)), ratio(rate(w.rows, r.seconds), pgRate),
        r.startupSeconds, r.cpuSeconds, Math.round(r.peakRssBytes / MB)];
      return [{
        title: `wal2json: ${w.rows.toLocaleString('en-US')} rows through walcast -> kafka (${ctx.kafkaKind}), per output plugin`,
        columns: ['source.plugin', 'seconds', 'rows/s', 'vs pgoutput', 'startup s', 'CPU s', 'peak RSS MB'],
        rows: [row('pgoutput', pg), row('wal2json', wj)],
        notes: ['Each: spawn of walcast until its slot\'s confirmed_flush_lsn passed the last commit (same WAL, same run).'],
      }];
    } finally {
      await dropSlots(db, Object.values(SLOTS));
    }
  },
};

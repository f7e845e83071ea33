/**
 * snapshot: snapshot of a `--rows` table with
 * snapshot.mode initial_only, parallelism 1 and 2, against the physical limit
 * `COPY (SELECT row_to_json(t) FROM bench t) TO STDOUT` via psql to /dev/null (parallelism 2 =
 * two psql sessions, each over half of the id range).
 *
 * If initial_only goes to streaming instead of exiting, the walcast row says so.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PG_BIN } from '../../test/infra/as-postgres';
import { tail, track } from '../lib/children';
import { benchConfig, rate, ratio } from '../lib/config';
import type { BenchContext, Scenario } from '../lib/context';
import { cpuBoundLine, cpuSplitLine, referenceSplitLine, usPerRow, type CpuWindow } from '../lib/cpu-bound';
import { topicHighWatermark } from '../lib/kafka';
import { postmasterPid, readMachineBusySeconds, sampleCpu } from '../lib/machine-cpu';
import { MB } from '../lib/proc';
import { Cell, ResultTable } from '../lib/table';
import { runWalcastToExit } from '../lib/walcast-process';
import { BenchDb, createBenchDatabase, createBenchTable, dropSlots, runWorkload } from '../lib/workload';

export const snapshot: Scenario = {
  name: 'snapshot',
  summary: 'snapshot.mode initial_only (parallelism 1, 2) vs psql COPY row_to_json to /dev/null',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const title = `snapshot: ${ctx.rows.toLocaleString('en-US')}-row table, walcast initial_only -> kafka (${ctx.kafkaKind}) vs psql COPY`;
    const db = await createBenchDatabase(ctx.pg, 'bench_snapshot');
    await createBenchTable(db);
    ctx.progress(`snapshot: inserting ${ctx.rows.toLocaleString('en-US')} rows`);
    const w = await runWorkload(db, ctx.rows, ctx.progress);
    await db.query('VACUUM ANALYZE bench');
    const bootstrap = await ctx.kafka();
    const rows: Cell[][] = [];
    const limit = new Map<number, number>();
    const inside: string[] = [];
    const cpu: string[] = [];
    const postgres = postmasterPid(ctx.pg.dataDir);
    const cores = readMachineBusySeconds()?.cores ?? null;
    // The broker JVM is the bench's child too: a root of its own, so it is not counted as psql.
    const brokerPid = await ctx.kafkaPid();
    const brokerRoot: Record<string, number> = brokerPid === undefined ? {} : { broker: brokerPid };
    for (const parallelism of [1, 2]) {
      ctx.progress(`snapshot: psql COPY x${parallelism}`);
      // psql runs as the bench's child: its CPU counts under the bench's root.
      const sampler = sampleCpu({ psql: process.pid, PostgreSQL: postgres, ...brokerRoot });
      const seconds = await psqlCopy(db, ctx.rows, parallelism);
      cpu.push(referenceSplitLine(`psql COPY x${parallelism}, % of one core`, sampler.stop(),
        [['psql', 'psql (and the bench)'], ['PostgreSQL', 'PostgreSQL'], ['broker', 'broker (idle)']]));
      limit.set(parallelism, rate(w.rows, seconds));
      rows.push([`psql COPY row_to_json, ${parallelism} session(s)`, seconds, Math.round(rate(w.rows, seconds)), '1.00x', null, null]);
    }
    for (const parallelism of [1, 2]) {
      const name = `bench-snap-p${parallelism}`;
      const slot = `bench_snap_p${parallelism}`;
      ctx.progress(`snapshot: walcast initial_only, parallelism ${parallelism}`);
      try {
        const r = await runWalcastToExit({
          label: `walcast-snapshot-p${parallelism}`, configDir: ctx.tmpDir,
          timeoutMs: Math.max(120_000, ctx.rows / 2), // 1M rows: 500 s
          failOnMessage: 'connector streaming',
          cpuWindow: {
            from: 'snapshot imported by every reader', to: 'snapshot complete',
            roots: { PostgreSQL: postgres, ...brokerRoot },
          },
          config: benchConfig({
            name, url: db.url, plugin: 'pgoutput', slot, publication: slot, stateDir: ctx.tmpDir,
            snapshot: { mode: 'initial_only', parallelism },
            sink: { type: 'kafka', kafka: { brokers: [bootstrap] } },
          }),
        });
        const produced = await topicHighWatermark(bootstrap, `${name}.public.bench`);
        const walcastRate = rate(w.rows, r.seconds);
        const reference = limit.get(parallelism) ?? NaN;
        rows.push([`walcast initial_only, parallelism ${parallelism}` + (produced === w.rows ? '' : ` (!) ${produced} messages`),
          r.seconds, Math.round(walcastRate), ratio(walcastRate, reference), r.cpuSeconds, Math.round(r.peakRssBytes / MB)]);
        const ms = snapshotMs(r.log);
        inside.push(ms === null
          ? `parallelism ${parallelism}: no "snapshot complete" log line with its duration`
          : `parallelism ${parallelism}: ${(ms / 1000).toFixed(2)} s, ${Math.round(rate(w.rows, ms / 1000)).toLocaleString('en-US')} rows/s, ${ratio(rate(w.rows, ms / 1000), reference)} of psql`);
        if (r.cpuWindow !== null && cores !== null) {
          const win: CpuWindow = { rows: w.rows, seconds: r.cpuWindow.seconds, cores, share: r.cpuWindow.share };
          cpu.push(`parallelism ${parallelism}: walcast ${usPerRow(win, win.share.byRoot.walcast ?? 0).toFixed(2)} us of CPU per row while it read; `
            + cpuSplitLine(`while it read (${win.seconds.toFixed(2)} s)`, `its COPY backend${parallelism > 1 ? 's' : ''}`, win),
          `  ${cpuBoundLine(win, reference, 0.5)}`);
        }
      } catch (e) {
        rows.push([`walcast initial_only, parallelism ${parallelism}: failed: ${(e as Error).message.split('\n')[0]}`, null, null, null, null, null]);
      } finally {
        await dropSlots(db, [slot]);
      }
    }
    return [{
      title,
      columns: ['reader', 'seconds', 'rows/s', 'vs psql same parallelism', 'CPU s', 'peak RSS MB'],
      rows,
      notes: [
        'walcast: spawn until the process exits after the snapshot (connect, slot creation, topic setup included);',
        '  the row count is checked against the topic\'s high watermark.',
        'psql: spawn until exit; with 2 sessions each reads half of the id range (no shared snapshot).',
        'walcast inside the snapshot (its "snapshot complete" line: first read to the last row acknowledged; node start,',
        '  connect, slot and topic setup left out):',
        ...inside.map((l) => `  ${l}`),
        'Who took the cores (machine-cpu.ts; walcast\'s window: from its "snapshot imported by every reader" line to "snapshot complete"):',
        ...cpu.map((l) => `  ${l}`),
      ],
    }];
  },
};

/** The durationMs of walcast's "snapshot complete" log line (JSON lines), or null. */
function snapshotMs(log: string): number | null {
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"snapshot complete"')) continue;
    try {
      const ms = (JSON.parse(line) as { durationMs?: unknown }).durationMs;
      if (typeof ms === 'number') return ms;
    } catch {
      // a line cut by the log tail's start: keep looking
    }
  }
  return null;
}

/** `COPY (SELECT row_to_json(t) ...) TO STDOUT` to /dev/null in `parallelism` psql sessions at once. */
async function psqlCopy(db: BenchDb, rows: number, parallelism: number): Promise<number> {
  const url = new URL(db.url);
  const password = decodeURIComponent(url.password);
  url.password = '';
  const per = Math.ceil(rows / parallelism);
  const started = performance.now();
  await Promise.all(Array.from({ length: parallelism }, (_, i) => {
    const sql = `COPY (SELECT row_to_json(t) FROM bench t WHERE id > ${i * per} AND id <= ${(i + 1) * per}) TO STDOUT`;
    const child = track(spawn(path.join(PG_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url.toString(), '-c', sql], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PGPASSWORD: password },
    }));
    const err = tail();
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    return new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${err.text()}`))));
    });
  }));
  return (performance.now() - started) / 1000;
}

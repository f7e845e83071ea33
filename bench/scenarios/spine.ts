/**
 * spine: the streaming path against its physical limit. One workload, two pgoutput slots created
 * at the same point before it, so both consumers decode the same WAL, one after the other:
 *   (a) pg_recvlogical --endpos L to /dev/null: server-side decoding + transfer, nothing else;
 *   (b) walcast (child process, sink kafka -> Apache Kafka) until the slot's confirmed_flush_lsn
 *       passes L: decode, envelope, produce, broker ack, confirm.
 * L is pg_current_wal_lsn() read inside the last workload transaction before its COMMIT.
 */
import { afterStartup, benchConfig, cpuPerRow, rate, ratio } from '../lib/config';
import { cpuBoundLine, cpuSplitLine, referenceSplitLine, type CpuWindow } from '../lib/cpu-bound';
import type { BenchContext, Scenario } from '../lib/context';
import { postmasterPid, type CpuShare, type MachineBusy } from '../lib/machine-cpu';
import { MB } from '../lib/proc';
import { runRecvlogical } from '../lib/recvlogical';
import { steadyCpuPerRow, steadyNote } from '../lib/steady-window';
import { ResultTable } from '../lib/table';
import { runWalcast } from '../lib/walcast-process';
import { createBenchDatabase, createBenchTable, createPublication, createSlots, dropSlots, runWorkload } from '../lib/workload';

const PUBLICATION = 'bench_pub';
const SLOT_WALCAST = 'bench_spine_walcast';
const SLOT_RECV = 'bench_spine_recvlogical';

/**
 * How busy the whole machine was (cores in use, every process) during each run: whether the
 * walcast run was bound by the machine rather than by walcast alone. /proc/stat counts other
 * tenants of a shared machine too.
 */
function machineNotes(rl: MachineBusy | null, rlSeconds: number, wc: MachineBusy | null, wcSeconds: number | null, wcCpu: number | null): string[] {
  if (rl === null || wc === null || wcSeconds === null || wcSeconds <= 0 || wcCpu === null) return [];
  const cores = (busy: number, s: number): string => (busy / s).toFixed(2);
  return [
    `machine (${wc.cores} cores, every process): ${cores(rl.busySeconds, rlSeconds)} cores busy during pg_recvlogical; `
    + `${cores(wc.busySeconds, wcSeconds)} while walcast streamed, of which walcast ${cores(wcCpu, wcSeconds)} and the rest `
    + `(PostgreSQL's walsender, the Kafka broker, the bench) ${cores(wc.busySeconds - wcCpu, wcSeconds)}.`,
  ];
}

/**
 * Who took the cores while walcast streamed, and what that leaves walcast at the target rate
 * (cpu-bound.ts); beside it, who took them while pg_recvlogical read the same WAL.
 */
export function streamingCpuNotes(o: {
  readonly rows: number; readonly cores: number; readonly streamingSeconds: number; readonly share: CpuShare;
  readonly recvlogical: CpuShare | null; readonly referenceRate: number; readonly targetRatio: number;
}): string[] {
  const w: CpuWindow = { rows: o.rows, seconds: o.streamingSeconds, cores: o.cores, share: o.share };
  const lines = [cpuSplitLine('while walcast streamed', 'its walsender', w)];
  if (o.recvlogical !== null) {
    lines.push(referenceSplitLine('CPU during pg_recvlogical', o.recvlogical, [['pg_recvlogical', 'pg_recvlogical'], ['PostgreSQL', 'PostgreSQL']]));
  }
  lines.push(cpuBoundLine(w, o.referenceRate, o.targetRatio));
  return lines;
}

export const spine: Scenario = {
  name: 'spine',
  summary: 'pgoutput: pg_recvlogical to /dev/null vs walcast -> Apache Kafka (rows/s, ratio, peak RSS)',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const db = await createBenchDatabase(ctx.pg, 'bench_spine');
    await createBenchTable(db);
    await createPublication(db, PUBLICATION);
    const startLsn = await createSlots(db, [{ name: SLOT_WALCAST, plugin: 'pgoutput' }, { name: SLOT_RECV, plugin: 'pgoutput' }]);
    try {
      ctx.progress(`spine: inserting ${ctx.rows.toLocaleString('en-US')} rows`);
      const w = await runWorkload(db, ctx.rows, ctx.progress);
      const walMb = Number(w.lastLsn - startLsn) / MB;
      const bootstrap = await ctx.kafka();

      ctx.progress('spine: (a) pg_recvlogical');
      const rl = await runRecvlogical({
        url: db.url, slot: SLOT_RECV, endpos: w.lastLsn,
        pluginOptions: { proto_version: '1', publication_names: PUBLICATION }, postmasterPid: postmasterPid(ctx.pg.dataDir),
      });
      const brokerPid = await ctx.kafkaPid();

      ctx.progress('spine: (b) walcast -> kafka');
      const wc = await runWalcast({
        label: 'walcast-spine', configDir: ctx.tmpDir, db, slot: SLOT_WALCAST, startLsn, targetLsn: w.lastLsn, progress: ctx.progress,
        config: benchConfig({
          name: 'bench-spine', url: db.url, plugin: 'pgoutput', slot: SLOT_WALCAST, publication: PUBLICATION,
          stateDir: ctx.tmpDir, sink: { type: 'kafka', kafka: { brokers: [bootstrap] } },
        }),
        cpuRoots: { PostgreSQL: postmasterPid(ctx.pg.dataDir), ...(brokerPid === undefined ? {} : { broker: brokerPid }) },
      });

      const rlRate = rate(w.rows, rl.seconds);
      const wcRate = rate(w.rows, wc.seconds);
      const cpu = cpuPerRow(w.rows, wc.cpuSeconds, wc.startupCpuSeconds);
      const streamingSeconds = wc.startupSeconds === null ? null : wc.seconds - wc.startupSeconds;
      return [{
        title: `spine: ${w.rows.toLocaleString('en-US')} rows (${w.transactions} txns of 10k), ${walMb.toFixed(0)} MB of WAL, pgoutput`,
        columns: ['consumer', 'seconds', 'rows/s', 'WAL MB/s', 'vs pg_recvlogical', 'startup s', 'CPU s', 'CPU us/row', 'steady CPU us/row', 'rows/CPU-s', 'peak RSS MB'],
        rows: [
          ['pg_recvlogical -> /dev/null', rl.seconds, Math.round(rlRate), walMb / rl.seconds, '1.00x', null, null, null, null, null, null],
          [`walcast -> kafka (${ctx.kafkaKind})`, wc.seconds, Math.round(wcRate), walMb / wc.seconds, ratio(wcRate, rlRate),
            wc.startupSeconds, wc.cpuSeconds, cpu.usPerRow, steadyCpuPerRow(w.rows, wc.steady), cpu.rowsPerCpuSecond === null ? null : Math.round(cpu.rowsPerCpuSecond),
            Math.round(wc.peakRssBytes / MB)],
          ['target (issue 11)', null, null, null, '>= 0.80x after startup', null, null, '<= 10', '<= 10', '>= 100,000', '<= 200'],
        ],
        notes: [
          `workload: ${w.seconds.toFixed(1)} s (${Math.round(rate(w.rows, w.seconds)).toLocaleString('en-US')} rows/s insert)`,
          'walcast: spawn of `node dist/connector/cli.js run` until the slot\'s confirmed_flush_lsn passed the last commit',
          '  (startup included; status updates every 100 ms + 50 ms polling: <= ~0.15 s late); peak RSS = VmHWM of that process.',
          afterStartup('walcast', w.rows, wc.seconds, wc.startupSeconds, rlRate) + ' (pg_recvlogical)',
          `CPU us/row, rows/CPU-s: walcast's own process CPU time (user + system, /proc) from its "connector streaming" line to the end, ÷ rows; Kafka client included, broker JVM not${streamingSeconds === null ? '' : ` (${((wc.cpuSeconds! - (wc.startupCpuSeconds ?? 0)) / streamingSeconds * 100).toFixed(0)}% of a core while streaming)`}.`,
          steadyNote('walcast', w.rows, wc.steady),
          'pg_recvlogical: spawn until exit at --endpos (same WAL, second slot created at the same point).',
          ...machineNotes(rl.machine, rl.seconds, wc.streamingMachine, streamingSeconds, wc.cpuSeconds === null ? null : wc.cpuSeconds - (wc.startupCpuSeconds ?? 0)),
          ...(wc.streamingCpu === null || streamingSeconds === null || wc.streamingMachine === null ? [] : streamingCpuNotes({
            rows: w.rows, cores: wc.streamingMachine.cores, streamingSeconds, share: wc.streamingCpu, recvlogical: rl.cpu, referenceRate: rlRate, targetRatio: 0.8,
          })),
          'Same machine, same run, one after the other: the ratio is the figure to compare across runs, not the absolute rates.',
        ],
      }];
    } finally {
      await dropSlots(db, [SLOT_WALCAST, SLOT_RECV]);
    }
  },
};

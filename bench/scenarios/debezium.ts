/**
 * debezium: rows per CPU-second, walcast against Debezium 3.6.1 on the same WAL. Three pgoutput
 * slots are created at the same point before one workload; then, one after the other:
 *   (a) Debezium's embedded engine (test/peers/debezium) -> JSON lines on stdout, counted;
 *   (b) walcast -> stdout (the same kind of output: no broker on either side);
 *   (c) walcast -> Kafka (the product path; Kafka client included).
 * CPU is each process's own (user + system from /proc) from its first streamed record (Debezium)
 * or its "connector streaming" line (walcast) to the last record: startup excluded on both sides.
 */
import { benchConfig, cpuPerRow, rate } from '../lib/config';
import type { BenchContext, Scenario } from '../lib/context';
import { runDebezium } from '../lib/debezium';
import { MB } from '../lib/proc';
import type { Cell, ResultTable } from '../lib/table';
import { runWalcast } from '../lib/walcast-process';
import { createBenchDatabase, createBenchTable, createPublication, createSlots, dropSlots, runWorkload } from '../lib/workload';

const PUBLICATION = 'bench_dbz_pub';
const SLOT_DBZ = 'bench_dbz_debezium';
const SLOT_OUT = 'bench_dbz_walcast_stdout';
const SLOT_KAFKA = 'bench_dbz_walcast_kafka';

export const debezium: Scenario = {
  name: 'debezium',
  summary: 'rows per CPU-second: Debezium 3.6.1 (embedded, stdout) vs walcast -> stdout and walcast -> Kafka, same WAL',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const db = await createBenchDatabase(ctx.pg, 'bench_dbz');
    await createBenchTable(db);
    await createPublication(db, PUBLICATION);
    const startLsn = await createSlots(db, [SLOT_DBZ, SLOT_OUT, SLOT_KAFKA].map((name) => ({ name, plugin: 'pgoutput' as const })));
    try {
      ctx.progress(`debezium: inserting ${ctx.rows.toLocaleString('en-US')} rows`);
      const w = await runWorkload(db, ctx.rows, ctx.progress);

      ctx.progress('debezium: (a) Debezium 3.6.1 -> stdout');
      const dbz = await runDebezium({ db, slot: SLOT_DBZ, publication: PUBLICATION, table: 'public.bench', records: w.rows, progress: ctx.progress });

      const walcast = async (label: string, slot: string, sink: Record<string, unknown>) => runWalcast({
        label, configDir: ctx.tmpDir, db, slot, startLsn, targetLsn: w.lastLsn, progress: ctx.progress,
        config: benchConfig({ name: label, url: db.url, plugin: 'pgoutput', slot, publication: PUBLICATION, stateDir: ctx.tmpDir, sink }),
      });
      ctx.progress('debezium: (b) walcast -> stdout');
      const out = await walcast('bench-dbz-stdout', SLOT_OUT, { type: 'stdout' });
      ctx.progress('debezium: (c) walcast -> kafka');
      const kafka = await walcast('bench-dbz-kafka', SLOT_KAFKA, { type: 'kafka', kafka: { brokers: [await ctx.kafka()] } });

      const dbzCpu = cpuPerRow(w.rows, dbz.cpuSeconds, dbz.startupCpuSeconds);
      const outCpu = cpuPerRow(w.rows, out.cpuSeconds, out.startupCpuSeconds);
      const kafkaCpu = cpuPerRow(w.rows, kafka.cpuSeconds, kafka.startupCpuSeconds);
      const vsDbz = (r: number | null): string =>
        r === null || dbzCpu.rowsPerCpuSecond === null ? 'n/a' : `${(r / dbzCpu.rowsPerCpuSecond).toFixed(2)}x`;
      const row = (label: string, seconds: number, startup: number | null, cpu: { usPerRow: number | null; rowsPerCpuSecond: number | null }, rss: number): Cell[] => [
        label, seconds, startup, Math.round(rate(w.rows, seconds - (startup ?? 0))), cpu.usPerRow,
        cpu.rowsPerCpuSecond === null ? null : Math.round(cpu.rowsPerCpuSecond), vsDbz(cpu.rowsPerCpuSecond), Math.round(rss / MB),
      ];
      return [{
        title: `debezium: ${w.rows.toLocaleString('en-US')} rows (${w.transactions} txns of 10k), pgoutput, same WAL for all three`,
        columns: ['consumer', 'seconds', 'startup s', 'rows/s after startup', 'CPU us/row', 'rows/CPU-s', 'vs Debezium (rows/CPU-s)', 'peak RSS MB'],
        rows: [
          row('Debezium 3.6.1 embedded -> stdout', dbz.seconds, dbz.startupSeconds, dbzCpu, dbz.peakRssBytes),
          row('walcast -> stdout', out.seconds, out.startupSeconds, outCpu, out.peakRssBytes),
          row(`walcast -> kafka (${ctx.kafkaKind})`, kafka.seconds, kafka.startupSeconds, kafkaCpu, kafka.peakRssBytes),
          ['target (issue 11)', null, null, null, null, null, '>= 3.00x', null],
        ],
        notes: [
          'CPU: each process\'s own user + system time (/proc/<pid>/stat) after startup (Debezium: from its first record; walcast: from its "connector streaming" line) to the last record, ÷ rows.',
          'Debezium: test/peers/debezium (embedded engine, JsonConverter, schemas off), JVM -Xmx512m -XX:+UseSerialGC, full JIT; its stdout is counted by the bench.',
          'walcast -> stdout: the stdout sink (one JSON line per record) to /dev/null; walcast -> kafka: idempotent producer, acks=-1, the broker JVM not counted.',
          'Debezium\'s end: the last record printed; walcast\'s: the slot\'s confirmed_flush_lsn past the last commit (<= ~0.15 s late, idle time, not CPU).',
        ],
      }];
    } finally {
      await dropSlots(db, [SLOT_DBZ, SLOT_OUT, SLOT_KAFKA]);
    }
  },
};

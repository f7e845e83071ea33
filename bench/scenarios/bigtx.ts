/**
 * bigtx: one transaction of --rows rows (default 1M), source.streamInProgress on vs off.
 *
 * For each mode: a fresh database, table, publication and slot; walcast (child process, sink
 * kafka -> mock broker) starts and streams first; then one INSERT .. SELECT generate_series of
 * all the rows, pg_current_wal_lsn() read before COMMIT (L). Measured:
 *   - commit -> last ack: from COMMIT returning to the slot's confirmed_flush_lsn passing L
 *     (walcast confirms only once every record of the transaction is acked by the broker);
 *   - server-side decoding: pg_stat_replication_slots spill_txns/spill_bytes (the walsender
 *     spilled to pg_replslot/ because the transaction passed logical_decoding_work_mem) and
 *     stream_txns/stream_bytes (it sent the transaction while it ran), read after walcast
 *     stopped (the walsender reports its stats when it exits);
 *   - walcast's peak RSS (VmHWM) and the bytes it kept on its own disk (its log).
 * logical_decoding_work_mem stays at the bench cluster's 64MB (PostgreSQL's default).
 */
import { freePort } from '../../test/infra/nats';
import { benchConfig } from '../lib/config';
import { sampleHeap, type HeapPeaks } from '../lib/heap-sampler';
import type { BenchContext, Scenario } from '../lib/context';
import { MB } from '../lib/proc';
import { ResultTable } from '../lib/table';
import { startWalcast } from '../lib/walcast-process';
import { createBenchDatabase, createBenchTable, createPublication, createSlots, dropSlots } from '../lib/workload';

interface ModeResult {
  readonly mode: string;
  readonly txSeconds: number;
  readonly commitToAckSeconds: number;
  readonly spillTxns: number;
  readonly spillBytes: number;
  readonly streamTxns: number;
  readonly streamBytes: number;
  readonly peakRssBytes: number;
  readonly peakRssAtCommitBytes: number;
  readonly cpuSeconds: number | null;
  readonly cpuAtCommitSeconds: number | null;
  readonly localSpillBytes: number | null;
  readonly heap: HeapPeaks;
}

async function runMode(ctx: BenchContext, streamInProgress: boolean): Promise<ModeResult> {
  const mode = streamInProgress ? 'on' : 'off';
  const name = `bench_bigtx_${mode}`;
  const db = await createBenchDatabase(ctx.pg, name);
  await createBenchTable(db);
  await createPublication(db, 'bench_pub');
  const slot = `${name}_slot`;
  await createSlots(db, [{ name: slot, plugin: 'pgoutput' }]);
  const bootstrap = await ctx.kafka();
  const config = benchConfig({
    name: `bench-bigtx-${mode}`, url: db.url, plugin: 'pgoutput', slot, publication: 'bench_pub',
    stateDir: ctx.tmpDir, sink: { type: 'kafka', kafka: { brokers: [bootstrap] } },
  });
  (config.source as Record<string, unknown>).streamInProgress = streamInProgress;
  const port = await freePort();
  config.http = { port };
  const walcast = startWalcast({ label: `walcast-bigtx-${mode}`, config, configDir: ctx.tmpDir, db, slot });
  const heapSampler = sampleHeap(port);
  let heap: HeapPeaks | null = null;
  try {
    await walcast.streaming();
    ctx.progress(`bigtx (${mode}): one transaction of ${ctx.rows.toLocaleString('en-US')} rows`);
    const client = await db.connect();
    let lsn: bigint;
    let txSeconds: number;
    let committed: number;
    let peakAtCommit = 0;
    let cpuAtCommit: number | null = null;
    try {
      const t0 = performance.now();
      await client.query('BEGIN');
      await client.query(`INSERT INTO bench (id, name, amount, created, payload)
        SELECT g, 'customer-' || g, (g % 10000000) / 100.0, now(), md5(g::text) || md5((g * 7)::text)
        FROM generate_series(1, $1::bigint) AS g`, [ctx.rows]);
      const r = await client.query<{ lsn: string }>("SELECT (pg_current_wal_lsn() - '0/0')::text AS lsn");
      lsn = BigInt(r.rows[0].lsn);
      await client.query('COMMIT');
      committed = performance.now();
      txSeconds = (committed - t0) / 1000;
      peakAtCommit = walcast.peakRssBytes();
      cpuAtCommit = walcast.cpuSeconds();
    } finally {
      await client.end();
    }
    ctx.progress(`bigtx (${mode}): committed after ${txSeconds.toFixed(1)} s; waiting for the last ack`);
    const acked = await walcast.confirmedPast(lsn);
    const peakRssBytes = walcast.peakRssBytes();
    const cpuSeconds = walcast.cpuSeconds();
    const local = /"spilledBytes":(\d+)/.exec(walcast.log());
    heap = heapSampler.stop();
    await walcast.stop();
    const [stats] = await db.query<{ spill_txns: string; spill_bytes: string; stream_txns: string; stream_bytes: string }>(
      `SELECT spill_txns::text, spill_bytes::text, stream_txns::text, stream_bytes::text
         FROM pg_stat_replication_slots WHERE slot_name = $1`, [slot]);
    return {
      mode, txSeconds, commitToAckSeconds: (acked - committed) / 1000,
      spillTxns: Number(stats?.spill_txns ?? 0), spillBytes: Number(stats?.spill_bytes ?? 0),
      streamTxns: Number(stats?.stream_txns ?? 0), streamBytes: Number(stats?.stream_bytes ?? 0),
      peakRssBytes, peakRssAtCommitBytes: peakAtCommit, cpuSeconds, cpuAtCommitSeconds: cpuAtCommit, localSpillBytes: local ? Number(local[1]) : streamInProgress ? null : 0,
      heap,
    };
  } finally {
    heapSampler.stop();
    await walcast.stop();
    await dropSlots(db, [slot]);
  }
}

export const bigtx: Scenario = {
  name: 'bigtx',
  summary: 'one transaction of --rows rows, source.streamInProgress on vs off (commit -> last ack, server spill/stream bytes, peak RSS)',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const results = [await runMode(ctx, true), await runMode(ctx, false)];
    const mb = (n: number | null): number | null => (n === null ? null : Math.round(n / MB));
    return [{
      title: `bigtx: one transaction of ${ctx.rows.toLocaleString('en-US')} rows, pgoutput -> kafka (${ctx.kafkaKind}), logical_decoding_work_mem 64MB`,
      columns: ['streamInProgress', 'txn s', 'commit -> last ack s', 'server spill txns', 'server spill MB', 'server stream txns', 'server stream MB', 'walcast spill MB', 'CPU s at commit', 'CPU s', 'peak RSS MB at commit', 'peak RSS MB', 'heap used MB', 'heap total MB', 'external MB', 'old space MB'],
      rows: results.map((r) => [r.mode, r.txSeconds, r.commitToAckSeconds, r.spillTxns, mb(r.spillBytes), r.streamTxns, mb(r.streamBytes),
        mb(r.localSpillBytes), r.cpuAtCommitSeconds, r.cpuSeconds, mb(r.peakRssAtCommitBytes), mb(r.peakRssBytes),
        mb(r.heap.heapUsedBytes), mb(r.heap.heapTotalBytes), mb(r.heap.externalBytes), mb(r.heap.oldSpaceUsedBytes)]),
      notes: [
        'txn s: BEGIN to COMMIT returning (the INSERT of every row); commit -> last ack: COMMIT returning to confirmed_flush_lsn past the commit',
        '  (walcast confirms only when every record of the transaction is acked; status updates every 100 ms + 50 ms polling).',
        'server spill/stream: pg_stat_replication_slots of the walcast slot after walcast stopped. walcast spill: bytes it wrote to',
        '  <stateDir>/<name>.spill/ (from its log). CPU (user+system) and peak RSS (VmHWM) of the walcast process until COMMIT',
        '  returned, and until the last ack. The machine is shared: run it more than once; compare within a run.',
        'heap used/total, external, old space: peaks of the process\'s own /metrics (prom-client default metrics) polled every 200 ms.',
      ],
    }];
  },
};

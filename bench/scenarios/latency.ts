/**
 * latency: commit -> broker ack at a steady load. walcast (child, Kafka sink) streams; the bench
 * commits one-row transactions at a fixed rate (default 5,000 tx/s, paced on a schedule over
 * several connections) and a Kafka consumer in the bench reads the topic as it fills. Per record:
 * the time it became readable minus its commit time (source.ts_us, PostgreSQL's clock on this
 * same machine). A record is readable only after the broker acknowledged it (acks=-1, the high
 * watermark), so the figure is commit -> ack plus the consumer's fetch round trip: an upper bound.
 * The first second is warm-up and not counted. Beside it, walcast's own view: its
 * walcast_behind_source_seconds histogram (commit time of a batch's newest change to the broker
 * ack of that batch), read from its /metrics at the end, as bucket bounds, and its event-loop delay.
 */
import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import type { Client } from 'pg';
import { freePort } from '../../test/infra/nats';
import { benchConfig } from '../lib/config';
import type { BenchContext, Scenario } from '../lib/context';
import { MB } from '../lib/proc';
import { quantileBound, readHistogram } from '../lib/prom-histogram';
import type { ResultTable } from '../lib/table';
import { startWalcast } from '../lib/walcast-process';
import { createBenchDatabase, createBenchTable, createPublication, createSlots } from '../lib/workload';

const RATE = 5_000;
const SECONDS = 11;
const WARMUP_SECONDS = 1;
const CONNECTIONS = 8;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Commits `total` one-row transactions at `rate` per second; resolves the achieved rate. */
async function paced(clients: readonly Client[], total: number, rate: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(clients.map(async (c) => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      // The load's schedule (not a wait for a condition): the next commit is due at `due`.
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      await c.query(
        `INSERT INTO bench (id, name, amount, created, payload) VALUES ($1::bigint, 'customer-' || $1::bigint, ($1::bigint % 10000000) / 100.0, now(), md5($1::bigint::text) || md5(($1::bigint * 7)::text))`,
        [i + 1],
      );
    }
  }));
  return total / ((performance.now() - t0) / 1000);
}

interface OwnView { readonly p50: string; readonly p90: string; readonly p99: string; readonly loopLag: string }

/**
 * walcast's commit -> ack histogram from its /metrics, as '<= bound ms' per quantile, and its
 * event-loop delay (prom-client's default metrics: p99 and max since start, ms).
 */
async function ownView(port: number): Promise<OwnView> {
  const none: OwnView = { p50: '-', p90: '-', p99: '-', loopLag: 'not read' };
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    const ms = (name: string): string => {
      const m = new RegExp(`^walcast_nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      return m ? (Number(m[1]) * 1000).toFixed(1) : '-';
    };
    const loopLag = `p99 ${ms('p99')} ms, max ${ms('max')} ms`;
    const h = readHistogram(text, 'walcast_behind_source_seconds');
    if (h === null) return { ...none, loopLag };
    const at = (q: number): string => `<= ${Math.round(quantileBound(h, q) * 1000)}`;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), loopLag };
  } catch {
    return none;
  }
}

export const latency: Scenario = {
  name: 'latency',
  summary: `commit -> broker ack (read back by a consumer) at a steady ${RATE.toLocaleString('en-US')} one-row tx/s: p50, p99`,
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const db = await createBenchDatabase(ctx.pg, 'bench_latency');
    await createBenchTable(db);
    await createPublication(db, 'bench_pub');
    const slot = 'bench_latency_slot';
    await createSlots(db, [{ name: slot, plugin: 'pgoutput' }]);
    const bootstrap = await ctx.kafka();
    const name = 'bench-latency';
    const config = benchConfig({
      name, url: db.url, plugin: 'pgoutput', slot, publication: 'bench_pub', stateDir: ctx.tmpDir, sink: { type: 'kafka', kafka: { brokers: [bootstrap] } },
    });
    const total = RATE * SECONDS;
    const port = await freePort();
    config.http = { port };
    const walcast = startWalcast({ label: 'walcast-latency', config, configDir: ctx.tmpDir, db, slot });
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      clientId: 'walcast-bench-latency', bootstrapBrokers: [bootstrap], groupId: `bench-latency-${process.pid}`, autocommit: false, maxWaitTime: 100,
    });
    const clients: Client[] = [];
    try {
      await walcast.streaming();
      const stream = await consumer.consume({ topics: [`${name}.public.bench`], mode: MessagesStreamModes.EARLIEST });
      const latenciesMs: number[] = [];
      let seen = 0;
      const reading = (async () => {
        for await (const m of stream) {
          const readUs = (performance.timeOrigin + performance.now()) * 1000;
          const v = JSON.parse(m.value!.toString('utf8')) as { after: { id: number }; source: { ts_us: number } };
          if (v.after.id > RATE * WARMUP_SECONDS) latenciesMs.push((readUs - v.source.ts_us) / 1000);
          if (++seen >= total) return;
        }
      })();
      for (let i = 0; i < CONNECTIONS; i++) clients.push(await db.connect());
      ctx.progress(`latency: ${total.toLocaleString('en-US')} one-row transactions at ${RATE.toLocaleString('en-US')}/s`);
      const cpu0 = walcast.cpuSeconds();
      const t0 = performance.now();
      const achieved = await paced(clients, total, RATE);
      await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`latency: ${seen} of ${total} records read 60 s after the load`)), 60_000))]);
      const cpu = (walcast.cpuSeconds() ?? NaN) - (cpu0 ?? NaN);
      const wall = (performance.now() - t0) / 1000;
      await stream.close();
      const own = await ownView(port);
      const sorted = latenciesMs.sort((a, b) => a - b);
      const p = (q: number): number => Math.round(percentile(sorted, q) * 10) / 10;
      return [{
        title: `latency: ${total.toLocaleString('en-US')} one-row transactions, target ${RATE.toLocaleString('en-US')} tx/s, Kafka ${ctx.kafkaKind}`,
        columns: ['', 'tx/s achieved', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'walcast CPU % of a core', 'peak RSS MB'],
        rows: [
          ['walcast -> kafka', Math.round(achieved), p(50), p(90), p(99), p(100), Math.round((100 * cpu) / wall), Math.round(walcast.peakRssBytes() / MB)],
          ["walcast's own commit -> ack (its histogram, bucket bound)", null, own.p50, own.p90, own.p99, null, null, null],
          ['target (issue 11)', RATE, null, null, '<= 50', null, null, null],
        ],
        notes: [
          `latency = time the bench's consumer read the record - its commit time (source.ts_us); records of the first ${WARMUP_SECONDS} s not counted (${sorted.length.toLocaleString('en-US')} counted).`,
          'A record is readable only once the broker acked it (acks=-1), so this is commit -> ack plus one consumer fetch: an upper bound of commit -> ack.',
          `walcast's own: walcast_behind_source_seconds from its /metrics after the load (warm-up included): per acknowledged batch, the commit time of its newest change to the ack; '<= X' is the bucket the quantile fell in. walcast's event-loop delay over its run: ${own.loopLag}.`,
          `load: ${CONNECTIONS} connections, one INSERT per transaction, each due at its slot of the schedule; the bench, PostgreSQL, the broker and walcast share the 2 cores.`,
        ],
      }];
    } finally {
      for (const c of clients) await c.end().catch(() => undefined);
      await consumer.close(true).catch(() => undefined);
      await walcast.stop();
      await db.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => undefined);
    }
  },
};

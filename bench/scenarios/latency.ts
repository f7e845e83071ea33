/**
 * latency: commit -> broker ack at a steady load. walcast (child, Kafka sink) streams; the bench
 * commits one-row transactions at a fixed mean rate (default 5,000 tx/s, pgbench -R over
 * several connections) and a Kafka consumer in the bench reads the topic as it fills.
 *
 * Per record, from three clocks on this one machine: its commit time (source.ts_us, PostgreSQL's
 * clock), the time walcast read it from the replication stream (the envelope's ts_ms: Date.now()
 * per WAL message) and the time the broker appended it to the log. walcast creates the topic
 * with message.timestamp.type=LogAppendTime (sink.kafka.topicConfig), so the Kafka record
 * timestamp is the broker's append time; with one broker and acks=-1 the produce request is
 * answered as that append completes. The headline, commit -> appended, is commit -> ack at the
 * broker. Beside it, the upper bound: commit -> read by the bench's consumer, which adds the
 * consumer's fetch and the bench's own event-loop delay. The first second is warm-up and not
 * counted. Then walcast's own view: its walcast_behind_source_seconds histogram (commit time of
 * a batch's newest change to walcast receiving the ack of that batch), read from its /metrics at
 * the end, as bucket bounds, and its event-loop delay. Per stage (commit -> read, read ->
 * appended: batching, the produce request in flight, the broker) its quantiles, and the mean of
 * each over the slowest 1% of records.
 *
 * The broker is the scenario's own, with Kafka's JVM settings (lib/kafka.ts).
 */
import { Admin, ConfigResourceTypes, Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PG_BIN } from '../../test/infra/as-postgres';
import { freePort } from '../../test/infra/nats';
import { tail, track } from '../lib/children';
import { benchConfig } from '../lib/config';
import { startRealKafka } from '../lib/kafka';
import type { BenchContext, Scenario } from '../lib/context';
import { cpuShare, postmasterPid, readCpu, type CpuShare } from '../lib/machine-cpu';
import { MB } from '../lib/proc';
import { quantileBound, readHistogram } from '../lib/prom-histogram';
import type { Cell, ResultTable } from '../lib/table';
import { startWalcast } from '../lib/walcast-process';
import { type BenchDb, createBenchDatabase, createBenchTable, createPublication, createSlots } from '../lib/workload';

const RATE = 5_000;
const SECONDS = 11;
const WARMUP_SECONDS = 1;
const CONNECTIONS = 8;
/** monitorEventLoopDelay's timer, ms. */
const LOOP_RESOLUTION_MS = 10;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * One row per transaction, its id from a sequence. The load comes from pgbench (C, one thread,
 * prepared statements): the JavaScript loop with node-postgres it replaces took most of the
 * bench's 43% of a core at 5,000 commits a second, on the 2 cores walcast, PostgreSQL and the
 * broker share, and the queueing that caused was measured as walcast's latency.
 */
const SEQUENCE = 'bench_latency_ids';
const INSERT = `INSERT INTO bench (id, name, amount, created, payload) SELECT i, 'customer-' || i, (i % 10000000) / 100.0, now(), md5(i::text) || md5((i * 7)::text) FROM (SELECT nextval('${SEQUENCE}') AS i) s;`;

/** A running pgbench; `done` resolves its achieved rate. */
interface Load { readonly pid: number | undefined; readonly done: Promise<number> }

/**
 * Starts pgbench committing `total` one-row transactions at `rate` per second (-R: arrivals on a
 * Poisson schedule of that mean rate, as independent clients commit).
 */
function startPgbench(ctx: BenchContext, db: BenchDb, total: number, rate: number): Load {
  const script = path.join(ctx.tmpDir, 'latency-insert.sql');
  writeFileSync(script, INSERT + '\n');
  const args = [
    '-n', '-M', 'prepared', '-c', String(CONNECTIONS), '-j', '1', '-R', String(rate), '-t', String(Math.ceil(total / CONNECTIONS)),
    '-f', script, '-h', ctx.pg.socketDir, '-p', String(ctx.pg.port), '-U', 'postgres', db.name,
  ];
  const child = track(spawn(path.join(PG_BIN, 'pgbench'), args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const out = tail();
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => out.push(d));
  const done = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out.text());
      if (code !== 0 || tps === null) reject(new Error(`pgbench exited ${code}: ${out.text()}`));
      else resolve(Number(tps[1]));
    });
  });
  return { pid: child.pid, done };
}

/**
 * Per record, ms: commit -> appended by the broker (total), commit -> read by walcast, read ->
 * appended, appended -> read by the bench's consumer (total + consumer: the upper bound).
 */
interface Stages { total: number[]; read: number[]; append: number[]; consumer: number[] }

/** The p50/p90/p99/max cells of `values` (sorted in place), 0.1 ms. */
function quantileCells(values: number[]): Cell[] {
  values.sort((a, b) => a - b);
  // `|| 0`: no '-0' (commit -> read can come out below zero by the ms truncation of ts_ms).
  const p = (q: number): number => Math.round(percentile(values, q) * 10) / 10 || 0;
  return [p(50), p(90), p(99), p(100)];
}

/** Mean of each stage over the slowest 1% of records (by total), for the notes. */
function slowestShare(s: Stages): string {
  const order = s.total.map((_, i) => i).sort((a, b) => s.total[b]! - s.total[a]!);
  const top = order.slice(0, Math.max(1, Math.floor(order.length / 100)));
  const mean = (xs: number[]): string => (top.reduce((sum, i) => sum + xs[i]!, 0) / top.length).toFixed(1);
  return `${mean(s.total)} ms = commit -> read ${mean(s.read)} + read -> appended ${mean(s.append)} (${top.length} records)`;
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

const TIMESTAMP_TYPE = 'message.timestamp.type';

/** The topic's message.timestamp.type, as the broker describes it. */
async function topicTimestampType(bootstrap: string, topic: string): Promise<string | null | undefined> {
  const admin = new Admin({ clientId: 'walcast-bench-latency-admin', bootstrapBrokers: [bootstrap] });
  try {
    const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: [TIMESTAMP_TYPE] }] });
    return described?.configs.find((c) => c.name === TIMESTAMP_TYPE)?.value;
  } finally {
    await admin.close();
  }
}

export const latency: Scenario = {
  name: 'latency',
  summary: `commit -> broker ack (the broker's append time) at a steady ${RATE.toLocaleString('en-US')} one-row tx/s: p50, p99`,
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const db = await createBenchDatabase(ctx.pg, 'bench_latency');
    await createBenchTable(db);
    await createPublication(db, 'bench_pub');
    const slot = 'bench_latency_slot';
    await createSlots(db, [{ name: slot, plugin: 'pgoutput' }]);
    // A broker of its own, with Kafka's JVM settings (lib/kafka.ts says why and what it measured).
    const broker = await startRealKafka({ jvm: 'kafka' });
    try {
      return await measure(ctx, db, slot, broker.bootstrap, broker.pid);
    } finally {
      await broker.stop();
      await db.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => undefined);
    }
  },
};

async function measure(ctx: BenchContext, db: BenchDb, slot: string, bootstrap: string, brokerPid: number | undefined): Promise<ResultTable[]> {
  const name = 'bench-latency';
  const topic = `${name}.public.bench`;
  const config = benchConfig({
    name, url: db.url, plugin: 'pgoutput', slot, publication: 'bench_pub', stateDir: ctx.tmpDir,
    sink: { type: 'kafka', kafka: { brokers: [bootstrap], topicConfig: [`${TIMESTAMP_TYPE}=LogAppendTime`] } },
  });
  // benchConfig's 100 ms status interval is for the scenarios that wait on the slot; here the
  // production default stands (a status update, and with it a write of the Kafka state topic,
  // a second rather than ten).
  (config.source as Record<string, unknown>).heartbeatMs = 10_000;
  const total = RATE * SECONDS;
  const port = await freePort();
  config.http = { port };
  const walcast = startWalcast({ label: 'walcast-latency', config, configDir: ctx.tmpDir, db, slot });
  // maxWaitTime bounds a fetch only while the partition has nothing new: the broker answers a
  // waiting fetch as soon as a record is appended (minBytes 1).
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'walcast-bench-latency', bootstrapBrokers: [bootstrap], groupId: `bench-latency-${process.pid}`, autocommit: false, maxWaitTime: 100,
  });
  const benchLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  try {
    await walcast.streaming();
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
    const stages: Stages = { total: [], read: [], append: [], consumer: [] };
    let seen = 0;
    const reading = (async () => {
      for await (const m of stream) {
        const readMs = performance.timeOrigin + performance.now();
        const v = JSON.parse(m.value!.toString('utf8')) as { after: { id: number }; source: { ts_us: number }; ts_ms: number };
        if (v.after.id > RATE * WARMUP_SECONDS) {
          const commitMs = v.source.ts_us / 1000;
          const appendMs = Number(m.timestamp);
          stages.total.push(appendMs - commitMs);
          stages.read.push(v.ts_ms - commitMs);
          stages.append.push(appendMs - v.ts_ms);
          stages.consumer.push(readMs - appendMs);
        }
        if (++seen >= total) return;
      }
    })();
    await db.query(`CREATE SEQUENCE "${SEQUENCE}"`);
    ctx.progress(`latency: ${total.toLocaleString('en-US')} one-row transactions at ${RATE.toLocaleString('en-US')}/s`);
    // The run's processes: the bench, walcast, the broker, PostgreSQL (the postmaster's tree) and pgbench.
    const roots: Record<string, number> = {
      bench: process.pid, walcast: walcast.pid, PostgreSQL: postmasterPid(ctx.pg.dataDir),
      ...(brokerPid === undefined ? {} : { broker: brokerPid }),
    };
    const t0 = performance.now();
    const load = startPgbench(ctx, db, total, RATE);
    if (load.pid !== undefined) roots.pgbench = load.pid;
    const machine0 = readCpu(roots);
    const cpu0 = walcast.cpuSeconds();
    benchLoop.enable();
    // CPU is read while the load still runs, half a second before its schedule ends: pgbench's
    // PostgreSQL backends end with it, and the CPU of an ended process is no longer readable.
    const usage = await new Promise<{ machine: CpuShare; walcastCpu: number; wall: number }>((resolve) => setTimeout(() => {
      const wall = (performance.now() - t0) / 1000;
      resolve({ machine: cpuShare(machine0, readCpu(roots), wall), walcastCpu: (walcast.cpuSeconds() ?? NaN) - (cpu0 ?? NaN), wall });
    }, (total / RATE) * 1000 - 500));
    const achieved = await load.done;
    await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`latency: ${seen} of ${total} records read 60 s after the load`)), 60_000))]);
    benchLoop.disable();
    const { machine, walcastCpu: cpu, wall } = usage;
    await stream.close();
    // The headline stands on the broker's clock: refuse a run whose topic kept CreateTime.
    const type = await topicTimestampType(bootstrap, topic);
    if (type !== 'LogAppendTime') throw new Error(`latency: ${topic} has ${TIMESTAMP_TYPE}=${type}, not LogAppendTime: its record timestamps are not the broker's`);
    const own = await ownView(port);
    const share = slowestShare(stages);
    // Before quantileCells sorts the stages in place.
    const upper = stages.total.map((t, i) => t + stages.consumer[i]!);
    const counted = stages.total.length;
    // The histogram holds the resolution timer's whole wait: the delay is what exceeds it.
    const loopMs = (ns: number): string => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS).toFixed(1);
    return [{
      title: `latency: ${total.toLocaleString('en-US')} one-row transactions, target ${RATE.toLocaleString('en-US')} tx/s, Kafka ${ctx.kafkaKind} (Kafka's JVM settings)`,
      columns: ['', 'tx/s achieved', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'walcast CPU % of a core', 'peak RSS MB'],
      rows: [
        ['walcast -> kafka: commit -> broker ack (appended)', Math.round(achieved), ...quantileCells(stages.total), Math.round((100 * cpu) / wall), Math.round(walcast.peakRssBytes() / MB)],
        ['  commit -> read by walcast', null, ...quantileCells(stages.read), null, null],
        ['  read -> appended by the broker', null, ...quantileCells(stages.append), null, null],
        ["upper bound: commit -> read by the bench's consumer", null, ...quantileCells(upper), null, null],
        ['  appended -> read by the consumer', null, ...quantileCells(stages.consumer), null, null],
        ["walcast's own commit -> ack (its histogram, bucket bound)", null, own.p50, own.p90, own.p99, null, null, null],
        ['target (issue 11)', RATE, null, null, '<= 50', null, null, null],
      ],
      notes: [
        `latency = the broker's append time (the Kafka record timestamp: walcast created the topic with ${TIMESTAMP_TYPE}=LogAppendTime, checked after the run) - the commit time (source.ts_us); `
          + `one broker, acks=-1: the produce request is answered as the append completes. Records of the first ${WARMUP_SECONDS} s not counted (${counted.toLocaleString('en-US')} counted).`,
        "upper bound: the time the bench's consumer read the record - its commit time; it adds the consumer's fetch and the bench's own event-loop delay (below).",
        "stages (each record's own, ms clocks; their quantiles do not add up): read = the envelope's ts_ms (walcast read the WAL message); read -> appended is batching, the wait for the produce request in flight (one at a time), the request's trip and the broker's work.",
        `slowest 1% of records, mean: ${share}.`,
        `walcast's own: walcast_behind_source_seconds from its /metrics after the load (warm-up included): per acknowledged batch, the commit time of its newest change to the ack; '<= X' is the bucket the quantile fell in. walcast's event-loop delay over its run: ${own.loopLag}.`,
        `the bench's event-loop delay during the load (its consumer reads late by as much): p50 ${loopMs(benchLoop.percentile(50))} ms, p99 ${loopMs(benchLoop.percentile(99))} ms, max ${loopMs(benchLoop.max)} ms.`,
        `CPU during the load, % of one core (${os.cpus().length} cores): the machine ${machine.machine}, this run's processes ${machine.run} `
          + `(${Object.entries(machine.byRoot).map(([root, pct]) => `${root} ${pct}`).join(', ')}), `
          + `everything else ${machine.other}; the machine is shared, and a run whose "everything else" is large measured the neighbours too.`,
        `load: pgbench, ${CONNECTIONS} connections on one thread, one INSERT (prepared) per transaction, arrivals on a Poisson schedule (-R); pgbench, the bench's consumer, PostgreSQL, the broker and walcast share the 2 cores.`,
      ],
    }];
  } finally {
    await consumer.close(true).catch(() => undefined);
    await walcast.stop();
  }
}

/**
 * nats: walcast with sink nats (stream created by walcast, default duplicate window) against a
 * plain JetStream publisher (@nats-io/jetstream, the client walcast uses) on the same server: the same number of messages, the same
 * size (payload and headers copied from a message walcast stored), a Nats-Msg-Id on each, and
 * the same in-flight window (sink.nats.maxInFlight, default 256), into a stream of its own.
 */
import { jetstream, jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { afterStartup, benchConfig, cpuPerRow, rate, ratio } from '../lib/config';
import type { BenchContext, Scenario } from '../lib/context';
import { MB } from '../lib/proc';
import { ResultTable } from '../lib/table';
import { runWalcast } from '../lib/walcast-process';
import { createBenchDatabase, createBenchTable, createPublication, createSlots, dropSlots, runWorkload } from '../lib/workload';

const PUBLICATION = 'bench_pub';
const SLOT = 'bench_nats_walcast';
const NAME = 'bench-nats';
const WALCAST_STREAM = 'bench_nats';
const PLAIN_STREAM = 'bench_plain';
const MAX_IN_FLIGHT = 256; // sink.nats.maxInFlight default

interface Sample { readonly data: Uint8Array; readonly headers: ReadonlyArray<readonly [string, string]>; readonly storedBytes: number }

export const nats: Scenario = {
  name: 'nats',
  summary: 'walcast -> NATS JetStream vs a plain @nats-io/jetstream publisher (same count, size, window)',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const db = await createBenchDatabase(ctx.pg, 'bench_nats');
    await createBenchTable(db);
    await createPublication(db, PUBLICATION);
    const startLsn = await createSlots(db, [{ name: SLOT, plugin: 'pgoutput' }]);
    const url = await ctx.nats();
    try {
      ctx.progress(`nats: inserting ${ctx.rows.toLocaleString('en-US')} rows`);
      const w = await runWorkload(db, ctx.rows, ctx.progress);

      ctx.progress('nats: walcast -> nats');
      const wc = await runWalcast({
        label: 'walcast-nats', configDir: ctx.tmpDir, db, slot: SLOT, startLsn, targetLsn: w.lastLsn, progress: ctx.progress,
        config: benchConfig({
          name: NAME, url: db.url, plugin: 'pgoutput', slot: SLOT, publication: PUBLICATION, stateDir: ctx.tmpDir,
          sink: { type: 'nats', nats: { servers: [url], stream: WALCAST_STREAM, maxInFlight: MAX_IN_FLIGHT } },
        }),
      });

      // noAsyncTraces as walcast sets it (see connector/sink/nats/connect-options.ts): the client's fastest.
      const nc = await connect({ servers: url, name: 'walcast-bench', noAsyncTraces: true });
      let sample: Sample;
      let stored: number;
      let plain: { seconds: number; cpuSeconds: number };
      try {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.info(WALCAST_STREAM);
        stored = info.state.messages;
        sample = await sampleMessage(jsm, info.state.first_seq, info.state.bytes / Math.max(1, info.state.messages));
        ctx.progress(`nats: plain publisher, ${w.rows.toLocaleString('en-US')} messages of ${sample.data.length} bytes`);
        plain = await plainPublisher(nc, jsm, w.rows, sample);
      } finally {
        await nc.close();
      }

      const wcRate = rate(w.rows, wc.seconds);
      const plainRate = rate(w.rows, plain.seconds);
      const wcCpu = cpuPerRow(w.rows, wc.cpuSeconds, wc.startupCpuSeconds);
      const plainUs = (plain.cpuSeconds * 1e6) / w.rows;
      return [{
        title: `nats: ${w.rows.toLocaleString('en-US')} messages, JetStream file storage, window ${MAX_IN_FLIGHT}`,
        columns: ['publisher', 'seconds', 'msgs/s', 'vs plain', 'startup s', 'CPU s', 'CPU µs/row', 'peak RSS MB'],
        rows: [
          ['plain @nats-io/jetstream publisher', plain.seconds, Math.round(plainRate), '1.00x', null, plain.cpuSeconds, Math.round(plainUs * 10) / 10, null],
          ['walcast (slot -> nats)', wc.seconds, Math.round(wcRate), ratio(wcRate, plainRate),
            wc.startupSeconds, wc.cpuSeconds, wcCpu.usPerRow === null ? null : Math.round(wcCpu.usPerRow * 10) / 10, Math.round(wc.peakRssBytes / MB)],
        ],
        notes: [
          `message: ${sample.data.length} bytes payload + headers ${sample.headers.map(([k]) => k).join(', ')}, Nats-Msg-Id;`
            + ` ~${Math.round(sample.storedBytes)} bytes stored each. walcast stored ${stored.toLocaleString('en-US')} messages.`,
          'walcast: spawn until confirmed_flush_lsn passed the last commit (startup, PostgreSQL decoding included).',
          afterStartup('walcast', w.rows, wc.seconds, wc.startupSeconds, plainRate) + ' (plain publisher)',
          'plain: one in-process connection, first publish to last PubAck, at most 256 unacked publishes.',
          'CPU µs/row: process CPU time ÷ rows; walcast from its "connector streaming" log line to the last confirm'
            + ' (pgoutput decoding, envelopes, NATS client), plain: the bench process from first publish to last PubAck (NATS client only).',
        ],
      }];
    } finally {
      await dropSlots(db, [SLOT]);
    }
  },
};

/** A message walcast stored: its payload and headers (Nats-Msg-Id aside) are the plain publisher's template. */
async function sampleMessage(jsm: JetStreamManager, seq: number, storedBytes: number): Promise<Sample> {
  const m = await jsm.streams.getMessage(WALCAST_STREAM, { seq });
  if (m === null) throw new Error(`stream ${WALCAST_STREAM} has no message ${seq}`);
  const hdrs: Array<[string, string]> = [];
  if (m.header) {
    for (const k of m.header.keys()) if (k !== 'Nats-Msg-Id') hdrs.push([k, m.header.get(k)]);
  }
  return { data: m.data, headers: hdrs, storedBytes };
}

/** Publishes `count` copies of the sample with unique Nats-Msg-Id, at most MAX_IN_FLIGHT unacked. */
async function plainPublisher(nc: NatsConnection, jsm: JetStreamManager, count: number, sample: Sample): Promise<{ seconds: number; cpuSeconds: number }> {
  await jsm.streams.add({ name: PLAIN_STREAM, subjects: ['plain.>'], storage: StorageType.File });
  const js = jetstream(nc);
  const subject = 'plain.public.bench';
  const started = performance.now();
  const cpu = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let acked = 0;
    let inFlight = 0;
    let failed = false;
    const pump = (): void => {
      while (!failed && inFlight < MAX_IN_FLIGHT && next < count) {
        const i = next++;
        inFlight++;
        const h = headers();
        for (const [k, v] of sample.headers) h.set(k, v);
        // Same shape as walcast's ids: <commit lsn>:<index in txn>.
        const msgID = `0/${(0x1000000 + Math.floor(i / 10_000) * 0x10000).toString(16).toUpperCase()}:${i % 10_000}`;
        js.publish(subject, sample.data, { msgID, headers: h }).then(() => {
          inFlight--;
          if (++acked === count) resolve();
          else pump();
        }, (e: unknown) => { failed = true; reject(e instanceof Error ? e : new Error(String(e))); });
      }
    };
    pump();
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

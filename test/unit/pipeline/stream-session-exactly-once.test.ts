/**
 * StreamSession under exactly-once, end to end on fakes: random transactions, batch sizes,
 * in-flight windows and ack timings; a sink built on the real SendQueue whose "Kafka" appends
 * a batch to the open transaction and commits it (with the checkpoint's offset) when the batch
 * carries a checkpoint. At a random moment the process is "killed": the open transaction and
 * every unsettled send are lost, the slot keeps what the session confirmed. A second session
 * starts with the committed offset, PostgreSQL replays from the confirmed position, and the
 * committed log must hold every record exactly once, in order.
 */
import type { ChangeEvent, Relation } from '../../../connector/model/change';
import { EnvelopeBuilder } from '../../../connector/envelope/builder';
import { HeartbeatRecords } from '../../../connector/envelope/heartbeat-record';
import { ConnectorError } from '../../../connector/errors';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { StreamSession } from '../../../connector/pipeline/stream-session';
import { lsn, type Lsn } from '../../../connector/protocol/lsn';
import { SendQueue } from '../../../connector/sink/kafka/send-queue';
import type { Sink } from '../../../connector/sink/port';
import type { CommittedOffset, SinkCheckpoint, SinkRecord } from '../../../connector/model/record';
import { ENVELOPE_OPTIONS, fakeSource } from './fake-source';

const T: Relation = { oid: 1, schema: 'public', table: 't', replicaIdentity: 'default', columns: [{ name: 'id', typeOid: 23, typeMod: -1, isKey: true }] };

/** A PostgreSQL transaction as the walsender sends it: BEGIN, inserts, COMMIT, at increasing LSNs. */
interface Tx { readonly begin: bigint; readonly rows: number; readonly commit: bigint; readonly end: bigint }

/** The "broker": what is committed, and the transaction being built. */
class FakeKafka {
  readonly committed: string[] = [];
  offset: CommittedOffset | null = null;
  open: string[] = [];
  dead = false;

  /** As transactions.ts: any checkpoint commits; one without an LSN keeps the offset. */
  apply(batch: readonly SinkRecord[], checkpoint: SinkCheckpoint | undefined): void {
    if (this.dead) return;
    for (const r of batch) this.open.push(r.id);
    if (checkpoint) {
      this.committed.push(...this.open);
      this.open = [];
      this.offset = checkpoint.lsn ?? this.offset;
    }
  }
}

function sinkOn(kafka: FakeKafka, rand: (n: number) => number, maxBatch: number): { sink: Sink; settleOne(): boolean; settleAll(): void } {
  const pending: Array<() => void> = [];
  const queue = new SendQueue<SinkRecord, SinkCheckpoint>({
    maxBatchRecords: maxBatch,
    checkpoints: true,
    deliveryTimeoutMs: 60_000,
    send: (batch, checkpoint) => new Promise<void>((resolve) => {
      const copy = [...batch];
      pending.push(() => { kafka.apply(copy, checkpoint); resolve(); });
    }),
    toError: (cause) => new ConnectorError('SINK_SEND', String(cause)),
  });
  const sink: Sink = {
    type: 'kafka', start: async () => undefined, ensureTopics: async () => undefined, stop: async () => undefined,
    publish: (records, checkpoint) => queue.enqueue(records, checkpoint),
  };
  return {
    sink,
    settleOne: () => {
      const next = pending.shift();
      if (!next) return false;
      if (rand(4) !== 0 || pending.length === 0) next();
      else { pending.unshift(next); return false; }
      return true;
    },
    settleAll: () => { for (const p of pending.splice(0)) p(); },
  };
}

interface Run {
  session: StreamSession;
  confirmed: () => Lsn;
  feed(tx: Tx): void;
  settleOne(): boolean;
  settleAll(): void;
}

async function start(kafka: FakeKafka, committed: CommittedOffset | null, from: Lsn, rand: (n: number) => number): Promise<Run> {
  const source = fakeSource();
  const { repl, decoder } = source;
  const confirmed = (): Lsn => source.statuses.reduce((a, b) => (b > a ? b : a), from);
  const { sink, settleOne, settleAll } = sinkOn(kafka, rand, 1 + rand(8));
  const builder = new EnvelopeBuilder({ connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '1', options: ENVELOPE_OPTIONS });
  const session = new StreamSession({
    repl, decoder, builder, sink, logger: createMemoryLogger(), startLsn: from, knownTopics: new Set(['shop.public.t']),
    options: { heartbeatMs: 5, maxInFlightEvents: 2 + rand(20), batchSize: 1 + rand(6), stopTimeoutMs: 1000 },
    exactlyOnce: { committed },
  });
  void session.run('').catch(() => undefined);
  await Promise.resolve();
  const send = (walStart: bigint, ev: ChangeEvent): void => source.feed(walStart, ev);
  return {
    session,
    confirmed,
    settleOne,
    settleAll,
    feed: (tx) => {
      send(tx.begin, { kind: 'begin', xid: Number(tx.begin), finalLsn: lsn(tx.commit), commitTimeUs: 1_000_000n });
      for (let i = 0; i < tx.rows; i++) send(tx.begin + 1n + BigInt(i), { kind: 'insert', lsn: lsn(tx.begin + 1n + BigInt(i)), relation: T, after: [String(tx.begin * 100n + BigInt(i))] });
      send(tx.commit, { kind: 'commit', commitLsn: lsn(tx.commit), endLsn: lsn(tx.end), commitTimeUs: 1_000_000n });
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('StreamSession: exactly-once across a kill', () => {
  it('random transactions, windows and ack timings: every record committed exactly once, in order', async () => {
    let seed = 777;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % n; };
    for (let round = 0; round < 150; round++) {
      const txs: Tx[] = [];
      let at = 100n;
      for (let i = 0, n = 3 + rand(12); i < n; i++) {
        const rows = 1 + rand(7);
        txs.push({ begin: at, rows, commit: at + BigInt(rows) + 1n, end: at + BigInt(rows) + 2n });
        at += BigInt(rows) + 10n;
      }
      const expected = txs.flatMap((tx) => Array.from({ length: tx.rows }, (_, i) => `${'0/' + tx.commit.toString(16).toUpperCase()}:${i}`));

      // First process: feeds some transactions, settles some sends, then dies.
      const kafka = new FakeKafka();
      const first = await start(kafka, null, lsn(1), rand);
      const killAt = rand(txs.length + 1);
      for (let i = 0; i < txs.length; i++) {
        if (i < killAt) first.feed(txs[i]!);
        for (let k = rand(4); k > 0; k--) { first.settleOne(); await tick(); }
      }
      for (let k = rand(10); k > 0; k--) { first.settleOne(); await tick(); }
      kafka.dead = true;
      kafka.open = [];
      const slot = first.confirmed();
      // What the dead process still had in flight goes nowhere (kafka.dead); its session ends.
      const stopped = first.session.stop('test').catch(() => undefined);
      for (let k = 0; k < 50; k++) { first.settleAll(); await tick(); }
      await stopped;

      // Second process: the committed offset; the slot replays every transaction committing at or after its position.
      const survivor = new FakeKafka();
      survivor.committed.push(...kafka.committed);
      survivor.offset = kafka.offset;
      const second = await start(survivor, kafka.offset, slot, rand);
      for (const tx of txs) if (lsn(tx.commit) >= slot) second.feed(tx);
      const deadline = Date.now() + 5000;
      while (survivor.committed.length < expected.length && Date.now() < deadline) {
        second.settleOne();
        await tick();
      }
      const ended = second.session.stop('test').catch(() => undefined);
      for (let k = 0; k < 50; k++) { second.settleAll(); await tick(); }
      await ended;
      expect({ round, killAt, slot: String(slot), offset: kafka.offset && String(kafka.offset.commitLsn), committed: survivor.committed })
        .toEqual({ round, killAt, slot: String(slot), offset: kafka.offset && String(kafka.offset.commitLsn), committed: expected });
    }
  });

  it('a heartbeat committed right behind a transaction\'s checkpoint does not set the offset back', async () => {
    // The sink commits queued checkpointed calls in one Kafka transaction and names the offset by
    // the batch's last checkpoint: a heartbeat's must carry the newest offset flushed, or the
    // transaction committed with it would be sent again after a restart.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const kafka = new FakeKafka();
      const source = fakeSource();
      const { sink, settleAll } = sinkOn(kafka, () => 1, 100);
      const builder = new EnvelopeBuilder({ connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '1', options: ENVELOPE_OPTIONS });
      const session = new StreamSession({
        repl: source.repl, decoder: source.decoder, builder, sink, logger: createMemoryLogger(), startLsn: lsn(1), knownTopics: new Set(['shop.public.t']),
        options: { heartbeatMs: 60_000, maxInFlightEvents: 100, batchSize: 10, stopTimeoutMs: 1000 },
        heartbeat: { intervalMs: 1000, records: new HeartbeatRecords('__debezium-heartbeat', 'shop', false) },
        exactlyOnce: { committed: null },
      });
      void session.run('').catch(() => undefined);
      await Promise.resolve();
      const feed = (tx: Tx): void => {
        source.feed(tx.begin, { kind: 'begin', xid: Number(tx.begin), finalLsn: lsn(tx.commit), commitTimeUs: 1_000_000n });
        source.feed(tx.begin + 1n, { kind: 'insert', lsn: lsn(tx.begin + 1n), relation: T, after: [String(tx.begin)] });
        source.feed(tx.commit, { kind: 'commit', commitLsn: lsn(tx.commit), endLsn: lsn(tx.end), commitTimeUs: 1_000_000n });
      };
      feed({ begin: 100n, rows: 1, commit: 110n, end: 111n }); // sent at once, not yet acked
      feed({ begin: 200n, rows: 1, commit: 210n, end: 211n }); // queued behind it
      jest.advanceTimersByTime(1000); // a heartbeat, queued behind both
      await tick();
      settleAll(); // the first commit; the second and the heartbeat go out as one batch
      await tick();
      settleAll();
      await tick();
      expect(kafka.open).toEqual([]);
      expect(kafka.committed.filter((id) => !id.startsWith('heartbeat:'))).toEqual(['0/6E:0', '0/D2:0']);
      expect(kafka.offset).toEqual({ commitLsn: lsn(210), endLsn: lsn(211) });
      const stopped = session.stop('test').catch(() => undefined);
      for (let k = 0; k < 20; k++) { settleAll(); await tick(); }
      await stopped;
    } finally {
      jest.useRealTimers();
    }
  });
});

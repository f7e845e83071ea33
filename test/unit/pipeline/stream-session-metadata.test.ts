/**
 * StreamSession with transaction metadata and heartbeats, on a fake replication connection and
 * decoder (events handed in directly) and an in-memory sink: BEGIN/END placement and ids,
 * heartbeat records, and the idle-slot rule (confirm a keepalive's WAL end only with nothing of
 * ours unacknowledged).
 */
import type { ChangeEvent, Relation } from '../../../connector/model/change';
import { EnvelopeBuilder } from '../../../connector/envelope/builder';
import { HeartbeatRecords } from '../../../connector/envelope/heartbeat-record';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { StreamSession } from '../../../connector/pipeline/stream-session';
import { lsn, type Lsn } from '../../../connector/protocol/lsn';
import type { Sink } from '../../../connector/sink/port';
import type { CommittedOffset, SinkCheckpoint, SinkRecord } from '../../../connector/model/record';
import type { StreamHandler } from '../../../connector/source/replication-connection';
import { ENVELOPE_OPTIONS, fakeSource } from './fake-source';

const rel = (table: string): Relation => ({
  oid: table.length, schema: 'public', table, replicaIdentity: 'default', columns: [{ name: 'id', typeOid: 23, typeMod: -1, isKey: true }],
});
const A = rel('a');
const B = rel('bb');

interface Harness {
  session: StreamSession;
  handler: StreamHandler;
  published: SinkRecord[];
  /** Per publish call: how many records, and its checkpoint. */
  calls: Array<{ records: number; checkpoint: SinkCheckpoint | undefined }>;
  statuses: Lsn[];
  /** Acks are held until released when `hold` is set. */
  release(): void;
  feed(walStart: bigint, ...events: ChangeEvent[]): void;
}

async function harness(opts: { metadata?: boolean; heartbeatMs?: number; hold?: boolean; exactlyOnce?: boolean; committed?: CommittedOffset } = {}): Promise<Harness> {
  const source = fakeSource();
  const { repl, decoder, statuses } = source;
  const published: SinkRecord[] = [];
  const calls: Harness['calls'] = [];
  const held: Array<() => void> = [];
  const sink: Sink = {
    type: 'stdout', start: async () => undefined, ensureTopics: async () => undefined, stop: async () => undefined,
    publish: (records, checkpoint) => {
      published.push(...records);
      calls.push({ records: records.length, checkpoint });
      return opts.hold ? new Promise<void>((r) => held.push(r)) : Promise.resolve();
    },
  };
  const builder = new EnvelopeBuilder({ connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '1', options: ENVELOPE_OPTIONS });
  const session = new StreamSession({
    repl, decoder, builder, sink, logger: createMemoryLogger(), startLsn: lsn(1), knownTopics: new Set(),
    options: { heartbeatMs: 10_000, maxInFlightEvents: 1000, batchSize: 1, stopTimeoutMs: 1000 },
    transactionMetadata: opts.metadata ? { topic: 'shop.transaction', schemas: false } : undefined,
    heartbeat: opts.heartbeatMs ? { intervalMs: opts.heartbeatMs, records: new HeartbeatRecords('__debezium-heartbeat', 'shop', false) } : undefined,
    exactlyOnce: opts.exactlyOnce || opts.committed ? { committed: opts.committed ?? null } : undefined,
  });
  void session.run('');
  await Promise.resolve();
  return {
    session, get handler() { return source.handler; }, published, calls, statuses,
    release: () => { for (const r of held.splice(0)) r(); },
    feed: (walStart, ...events) => source.feed(walStart, ...events),
  };
}

const settle = () => new Promise<void>((r) => setImmediate(r));
const parsed = (r: SinkRecord) => (r.value === null ? null : JSON.parse(r.value.toString()) as Record<string, unknown>);

describe('StreamSession: transaction metadata', () => {
  it('BEGIN before the events, END after them, ids in one sequence; blocks count per table', async () => {
    const h = await harness({ metadata: true });
    try {
      h.feed(100n, { kind: 'begin', xid: 5, finalLsn: lsn(190), commitTimeUs: 1_000_000n });
      h.feed(110n, { kind: 'insert', lsn: lsn(110), relation: A, after: ['1'] });
      h.feed(120n, { kind: 'insert', lsn: lsn(120), relation: B, after: ['2'] });
      h.feed(130n, { kind: 'insert', lsn: lsn(130), relation: A, after: ['3'] });
      h.feed(190n, { kind: 'commit', commitLsn: lsn(190), endLsn: lsn(200), commitTimeUs: 1_000_000n });
      await settle();
      expect(h.published.map((r) => [r.topic, r.id])).toEqual([
        ['shop.transaction', '0/BE:0'], ['shop.public.a', '0/BE:1'], ['shop.public.bb', '0/BE:2'], ['shop.public.a', '0/BE:3'], ['shop.transaction', '0/BE:4'],
      ]);
      expect(h.published[0]!.key!.toString()).toBe('{"id":"5:100"}');
      expect(parsed(h.published[0]!)).toEqual({ status: 'BEGIN', id: '5:100', event_count: null, data_collections: null, ts_ms: 1000 });
      expect(h.published.slice(1, 4).map((r) => parsed(r)!.transaction)).toEqual([
        { id: '5:110', total_order: 1, data_collection_order: 1 },
        { id: '5:120', total_order: 2, data_collection_order: 1 },
        { id: '5:130', total_order: 3, data_collection_order: 2 },
      ]);
      expect(parsed(h.published[4]!)).toMatchObject({ status: 'END', id: '5:200', event_count: 3 });
      // The commit is confirmed once every record, BEGIN and END included, is acked.
      expect(h.session.tracker.confirmed).toBe(lsn(200));
    } finally {
      await h.session.stop('test');
    }
  });

  it('without it: no transaction records, null blocks', async () => {
    const h = await harness();
    try {
      h.feed(100n, { kind: 'begin', xid: 5, finalLsn: lsn(190), commitTimeUs: 1_000_000n });
      h.feed(110n, { kind: 'insert', lsn: lsn(110), relation: A, after: ['1'] });
      h.feed(190n, { kind: 'commit', commitLsn: lsn(190), endLsn: lsn(200), commitTimeUs: 1_000_000n });
      await settle();
      expect(h.published.map((r) => [r.topic, r.id, parsed(r)!.transaction])).toEqual([['shop.public.a', '0/BE:0', null]]);
    } finally {
      await h.session.stop('test');
    }
  });
});

describe('StreamSession: heartbeats and the idle slot', () => {
  it('publishes heartbeat records on the heartbeat topic', async () => {
    const h = await harness({ heartbeatMs: 20 });
    try {
      const deadline = Date.now() + 5000;
      while (h.published.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(h.published.length).toBeGreaterThanOrEqual(2);
      expect(h.published[0]!.topic).toBe('__debezium-heartbeat.shop');
      expect(h.published[0]!.key!.toString()).toBe('{"serverName":"shop"}');
      expect(h.published[0]!.id).toMatch(/^heartbeat:\d+$/);
    } finally {
      await h.session.stop('test');
    }
  });

  it('confirms a keepalive\'s WAL end only when nothing is unacknowledged; a heartbeat retries it', async () => {
    const h = await harness({ hold: true, heartbeatMs: 30 });
    try {
      h.feed(100n, { kind: 'begin', xid: 5, finalLsn: lsn(190), commitTimeUs: 1_000_000n });
      h.feed(110n, { kind: 'insert', lsn: lsn(110), relation: A, after: ['1'] });
      h.feed(190n, { kind: 'commit', commitLsn: lsn(190), endLsn: lsn(200), commitTimeUs: 1_000_000n });
      await settle();
      h.handler.keepalive(lsn(500), false);
      // The insert is not acked: neither its commit nor the keepalive's position may be confirmed.
      expect(h.session.tracker.confirmed).toBe(lsn(1));
      h.release();
      await settle();
      // The commit is confirmed; a heartbeat (every 30 ms) may already have moved on to 500 on a
      // loaded machine, where settle() can outlast its interval.
      expect([lsn(200), lsn(500)]).toContain(h.session.tracker.confirmed);
      // No new keepalive: the next heartbeat (everything acked by then) moves the idle slot to 500.
      const deadline = Date.now() + 5000;
      while (h.session.tracker.confirmed !== lsn(500) && Date.now() < deadline) {
        h.release();
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(h.session.tracker.confirmed).toBe(lsn(500));
    } finally {
      h.release();
      await h.session.stop('test');
    }
  });

  it('exactly-once: a heartbeat outside a transaction is committed at once, one inside goes with the transaction\'s checkpoint', async () => {
    // Sent as a piece, a heartbeat on an idle database would hold a Kafka transaction open until
    // the broker's transaction timeout aborts it and fences the producer.
    const h = await harness({ heartbeatMs: 20, exactlyOnce: true });
    try {
      const deadline = Date.now() + 5000;
      const firstCommit = (): number => h.calls.findIndex((c) => c.checkpoint !== undefined);
      while (firstCommit() < 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      // The first heartbeat record is in a call up to the first checkpoint, which keeps the offset.
      expect(h.calls[firstCommit()]?.checkpoint).toEqual({});
      expect(h.calls.slice(0, firstCommit() + 1).reduce((n, c) => n + c.records, 0)).toBeGreaterThanOrEqual(1);
      expect(h.published[0]!.topic).toBe('__debezium-heartbeat.shop');
      // Inside a transaction a heartbeat must not commit (that would commit part of the
      // PostgreSQL transaction under the previous offset, and a restart would send it again):
      // no checkpoint until the commit's, which carries the transaction's offset.
      h.feed(100n, { kind: 'begin', xid: 5, finalLsn: lsn(190), commitTimeUs: 1_000_000n });
      h.feed(110n, { kind: 'insert', lsn: lsn(110), relation: A, after: ['1'] });
      const atBegin = h.calls.length;
      const heartbeats = (): number => h.published.filter((r) => r.topic === '__debezium-heartbeat.shop').length;
      const before = heartbeats();
      while (heartbeats() < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(heartbeats()).toBeGreaterThanOrEqual(before + 2);
      h.feed(190n, { kind: 'commit', commitLsn: lsn(190), endLsn: lsn(200), commitTimeUs: 1_000_000n });
      await settle();
      const during = h.calls.slice(atBegin);
      const commitAt = during.findIndex((c) => c.checkpoint !== undefined);
      expect(during[commitAt]?.checkpoint).toEqual({ lsn: { commitLsn: lsn(190), endLsn: lsn(200) } });
      expect(h.session.tracker.confirmed).toBe(lsn(200));
    } finally {
      await h.session.stop('test');
    }
  });

  it('exactly-once: a non-transactional message that fills a batch is still committed with its own checkpoint', async () => {
    // batchSize 1: the message's record goes out as the push fills the batch (no transaction
    // holds it back); the checkpoint that follows must still be published, or the record would
    // sit acknowledged in a Kafka transaction nothing commits (lost to a kill, the slot moved on).
    const h = await harness({ exactlyOnce: true });
    try {
      h.feed(300n, { kind: 'message', lsn: lsn(300), transactional: false, prefix: 'p', content: Buffer.from('x') });
      await settle();
      expect(h.published).toHaveLength(1);
      const at = h.calls.findIndex((c) => c.checkpoint !== undefined);
      expect(h.calls[at]?.checkpoint).toEqual({ lsn: { commitLsn: lsn(300), endLsn: lsn(300) } });
      expect(h.calls.slice(0, at + 1).reduce((n, c) => n + c.records, 0)).toBe(1);
    } finally {
      await h.session.stop('test');
    }
  });

  it('exactly-once after a committed non-transactional message: the message is skipped, the transaction whose commit starts where it ended is not', async () => {
    // PostgreSQL stamps a message with its record's end; a COMMIT right after it starts there
    // (test/integration/source/message-lsn.test.ts). The offset names the message (300 as both).
    const h = await harness({ committed: { commitLsn: lsn(300), endLsn: lsn(300) } });
    try {
      h.feed(290n, { kind: 'message', lsn: lsn(300), transactional: false, prefix: 'p', content: Buffer.from('x') });
      h.feed(300n, { kind: 'begin', xid: 7, finalLsn: lsn(300), commitTimeUs: 1_000_000n });
      h.feed(296n, { kind: 'insert', lsn: lsn(296), relation: A, after: ['1'] });
      h.feed(300n, { kind: 'commit', commitLsn: lsn(300), endLsn: lsn(340), commitTimeUs: 1_000_000n });
      await settle();
      expect(h.published.map((r) => r.topic)).toEqual(['shop.public.a']);
      expect(h.calls.find((c) => c.checkpoint !== undefined)?.checkpoint).toEqual({ lsn: { commitLsn: lsn(300), endLsn: lsn(340) } });
    } finally {
      await h.session.stop('test');
    }
  });
});

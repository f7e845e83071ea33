/**
 * The exactly-once filter of replayed records a fresh snapshot already showed: which
 * transactions a run's snapshot saw (64-bit ids from 32-bit ones), which records of a change go
 * out, and the stream session holding its order while PostgreSQL places keys.
 */
import { EnvelopeBuilder } from '../../../connector/envelope/builder';
import type { SkippableOperation } from '../../../connector/envelope/options';
import type { ChangeEvent, DataEvent, Relation } from '../../../connector/model/change';
import type { SinkCheckpoint, SinkRecord } from '../../../connector/model/record';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { FreshReadFilter, SnapshotVisibility } from '../../../connector/pipeline/fresh-read-filter';
import { StreamSession } from '../../../connector/pipeline/stream-session';
import { lsn } from '../../../connector/protocol/lsn';
import type { KeyRangeChecker } from '../../../connector/snapshot/key-range-check';
import type { ReplaySpec } from '../../../connector/snapshot/replay-spec';
import type { DoneRange } from '../../../connector/snapshot/resume';
import type { Sink } from '../../../connector/sink/port';
import { ENVELOPE_OPTIONS, fakeSource } from './fake-source';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpillStore } from '../../../connector/offsets/spill';
import { StreamedTransactions } from '../../../connector/pipeline/streamed-tx';

const rel = (table: string): Relation => ({
  oid: table.length, schema: 'public', table, replicaIdentity: 'default',
  columns: [{ name: 'id', typeOid: 23, typeMod: -1, isKey: true }, { name: 'v', typeOid: 23, typeMod: -1, isKey: false }],
});
const WHOLE = rel('whole');
const FIRST = rel('first');
const MIXED = rel('mixed');
const OTHER = rel('other');
const KEY = [{ name: 'id', typeSql: '"pg_catalog"."int4"', collationSql: null }];
/** Run 0: the slot's exported snapshot; run 1: a fresh one seeing ids 100..199 but 150, below 0/5000. */
const SPEC: ReplaySpec = {
  reads: [null, { snapshot: '100:200:150', walAfter: '0/5000' }],
  tables: {
    'public.whole': { key: KEY, ranges: [{ kind: 'all', read: 1 }] },
    'public.first': { key: KEY, ranges: [{ kind: 'all', read: 0 }] },
    // (-inf, 100] read by the killed run, the rest by the fresh one.
    'public.mixed': { key: KEY, ranges: [{ kind: 'keys', lower: null, upper: ['100'], read: 0 }, { kind: 'keys', lower: ['100'], upper: null, read: 1 }] },
  },
};

/** PostgreSQL's answer for int4 keys: the first range holding the key. */
function fakeChecker(delay: () => number = () => 0): KeyRangeChecker & { asked: number } {
  const checker = {
    asked: 0,
    rangeOf: (_t: string, _k: unknown, ranges: readonly DoneRange[], values: readonly string[]): Promise<number> => {
      checker.asked++;
      const k = Number(values[0]);
      const i = ranges.findIndex((r) => r.kind === 'keys' && (r.lower === null || k > Number(r.lower[0])) && (r.upper === null || k <= Number(r.upper[0])));
      return new Promise((resolve) => setTimeout(() => resolve(i), delay()));
    },
    close: () => Promise.resolve(),
  };
  return checker as unknown as KeyRangeChecker & { asked: number };
}

const builder = (): EnvelopeBuilder => new EnvelopeBuilder({ connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '1', options: ENVELOPE_OPTIONS });
const noRecord = (): Promise<void> => Promise.resolve();
const TX = { xid: 120, commitLsn: lsn(0x100n), commitTimeUs: 1_000_000n, lastCommitLsn: null, metadata: undefined };
const ins = (r: Relation, id: number): DataEvent => ({ kind: 'insert', lsn: lsn(0x10n), relation: r, after: [String(id), '1'] });
const upd = (r: Relation, from: number, to: number): DataEvent => ({
  kind: 'update', lsn: lsn(0x10n), relation: r, before: from === to ? null : [String(from), null], beforeIsKeyOnly: from !== to, after: [String(to), '2'],
});
const del = (r: Relation, id: number): DataEvent => ({ kind: 'delete', lsn: lsn(0x10n), relation: r, before: [String(id), null], beforeIsKeyOnly: true });
const ops = (records: readonly SinkRecord[]): string[] => records.map((r) => (r.value === null ? `~${r.key}` : `${(JSON.parse(r.value.toString()) as { op: string }).op}${r.key}`));

describe('SnapshotVisibility', () => {
  it('sees what committed before the snapshot: below xmin, or below xmax and not running', () => {
    const v = new SnapshotVisibility('100:110:103,105');
    expect([99, 100, 102, 103, 104, 105, 109, 110, 111].map((x) => v.sees(x))).toEqual([true, true, true, false, true, false, true, false, false]);
    expect(new SnapshotVisibility('7:7:').sees(6)).toBe(true);
    expect(() => new SnapshotVisibility('7:x:')).toThrow(RangeError);
  });

  it('widens a 32-bit id from xmax across a wraparound', () => {
    const epoch = 2n ** 32n;
    // xmin in epoch 0, xmax in epoch 1; one id running on each side of the wrap.
    const v = new SnapshotVisibility(`${epoch - 20n}:${epoch + 10n}:${epoch - 10n},${epoch + 3n}`);
    expect(v.sees(5)).toBe(true); // epoch + 5
    expect(v.sees(3)).toBe(false); // running
    expect(v.sees(2 ** 32 - 10)).toBe(false); // running, before the wrap
    expect(v.sees(2 ** 32 - 11)).toBe(true);
    expect(v.sees(2 ** 32 - 30)).toBe(true); // below xmin
    expect(v.sees(10)).toBe(false); // xmax
    expect(v.sees(20)).toBe(false); // after xmax
  });
});

describe('FreshReadFilter', () => {
  it('names the runs that saw a transaction, none at or after their WAL position', () => {
    const f = new FreshReadFilter(SPEC, fakeChecker(), noRecord);
    expect(f.active).toBe(true);
    expect(f.seenBy(120, lsn(0x4000n))).toEqual([false, true]);
    expect(f.seenBy(150, lsn(0x4000n))).toBeNull(); // running then
    expect(f.seenBy(120, lsn(0x5000n))).toBeNull(); // committed after the read
    expect(f.seenBy(250, lsn(0x10n))).toBeNull();
    expect(new FreshReadFilter({ reads: [null], tables: {} }, fakeChecker(), noRecord).active).toBe(false);
  });

  it('drops a seen change of a table one fresh run read whole, keeps others, without asking PostgreSQL', () => {
    const checker = fakeChecker();
    const f = new FreshReadFilter(SPEC, checker, noRecord);
    const seen = [false, true];
    const keep = (ev: DataEvent): SinkRecord[] | Promise<SinkRecord[]> => f.keep(ev, seen, builder().records(ev, TX, 0, 0n), TX.commitLsn);
    expect(keep(ins(WHOLE, 5))).toEqual([]);
    expect(keep(del(WHOLE, 5))).toEqual([]);
    expect(ops(keep(ins(FIRST, 5)) as SinkRecord[])).toEqual(['c{"id":5}']);
    expect(ops(keep(ins(OTHER, 5)) as SinkRecord[])).toEqual(['c{"id":5}']);
    // Seen by the slot's run only (not possible for a replayed transaction, but nothing to drop).
    expect(ops(f.keep(ins(WHOLE, 5), [true, false], builder().records(ins(WHOLE, 5), TX, 0, 0n), TX.commitLsn) as SinkRecord[])).toEqual(['c{"id":5}']);
    const truncate = (relations: Relation[]): ChangeEvent & DataEvent => ({ kind: 'truncate', lsn: lsn(0x10n), relations, cascade: false, restartIdentity: false });
    const records: SinkRecord[] = [{ topic: 'x', key: null, value: Buffer.from('{"op":"t"}'), id: '1' }];
        const two: SinkRecord[] = [{ topic: 'whole', key: null, value: Buffer.from('{"op":"t"}'), id: '1' }, { topic: 'first', key: null, value: Buffer.from('{"op":"t"}'), id: '2' }];
    // Per relation: the fresh run read `whole` after the truncate; the slot's run read `first` before it.
    expect(f.keep(truncate([WHOLE, FIRST]), seen, two, TX.commitLsn)).toEqual([two[1]]);
    expect(f.keep(truncate([WHOLE]), seen, records, TX.commitLsn)).toEqual([]);
    expect(checker.asked).toBe(0);
  });

  it('asks PostgreSQL where a key of a table several runs read lies, and judges each half of a key change', async () => {
    const checker = fakeChecker();
    const f = new FreshReadFilter(SPEC, checker, noRecord);
    const seen = [false, true];
    const keep = async (ev: DataEvent): Promise<string[]> => ops(await f.keep(ev, seen, builder().records(ev, TX, 0, 0n), TX.commitLsn));
    expect(await keep(ins(MIXED, 50))).toEqual(['c{"id":50}']);
    expect(await keep(ins(MIXED, 150))).toEqual([]);
    expect(await keep(upd(MIXED, 100, 100))).toEqual(['u{"id":100}']);
    expect(await keep(upd(MIXED, 101, 101))).toEqual([]);
    expect(await keep(del(MIXED, 7))).toEqual(['d{"id":7}', '~{"id":7}']);
    expect(await keep(del(MIXED, 700))).toEqual([]);
    // A row the killed run read moves into the fresh run's range: its delete goes, its create is already there.
    expect(await keep(upd(MIXED, 50, 500))).toEqual(['d{"id":50}', '~{"id":50}']);
    // The other way: the fresh run showed the old key's row gone and not the new one.
    expect(await keep(upd(MIXED, 500, 50))).toEqual(['c{"id":50}']);
    expect(await keep(upd(MIXED, 300, 500))).toEqual([]);
    expect(await keep(upd(MIXED, 30, 50))).toEqual(['d{"id":30}', '~{"id":30}', 'c{"id":50}']);
  });

  it('sends a truncate of a table several runs read, records it first, and filters that table no more from its commit on', async () => {
    const recorded: string[] = [];
    const checker = fakeChecker();
    const f = new FreshReadFilter(SPEC, checker, async (table, at) => { recorded.push(`${table}@${at}`); });
    const seen = [false, true];
    const t = { kind: 'truncate' as const, lsn: lsn(0x10n), relations: [MIXED], cascade: false, restartIdentity: false };
    const records: SinkRecord[] = [{ topic: 'mixed', key: null, value: Buffer.from('{"op":"t"}'), id: '1' }];
    const kept = f.keep(t, seen, records, lsn(0x300n));
    expect(kept).toBeInstanceOf(Promise);
    expect(await kept).toEqual(records);
    expect(recorded).toEqual(['public.mixed@768']);
    // Later (and in the same transaction): everything of the table goes out, no lookup.
    const later = ins(MIXED, 150);
    expect(ops(f.keep(later, seen, builder().records(later, TX, 0, 0n), lsn(0x300n)) as SinkRecord[])).toEqual(['c{"id":150}']);
    expect(ops(f.keep(later, seen, builder().records(later, TX, 0, 0n), lsn(0x400n)) as SinkRecord[])).toEqual(['c{"id":150}']);
    expect(checker.asked).toBe(0);
    // Before it: filtered as ever. A restart reads the record back from the spec.
    expect(await f.keep(later, seen, builder().records(later, TX, 0, 0n), lsn(0x200n))).toEqual([]);
    const again = new FreshReadFilter({ ...SPEC, truncated: { 'public.mixed': '0/300' } }, fakeChecker(), noRecord);
    expect(ops(again.keep(later, seen, builder().records(later, TX, 0, 0n), lsn(0x300n)) as SinkRecord[])).toEqual(['c{"id":150}']);
  });

  it('judges a key change the envelope sends as one record (message key unchanged) by its new key', async () => {
    const f = new FreshReadFilter(SPEC, fakeChecker(), noRecord);
    const seen = [false, true];
    const one = (from: number, to: number): SinkRecord[] => [{ topic: 'mixed', key: Buffer.from('{"m":1}'), value: Buffer.from(`{"op":"u","after":{"id":${to}},"before":{"id":${from}}}`), id: '1' }];
    // The row moved from the fresh run's range into the slot's run's: neither showed it; it goes.
    expect(await f.keep(upd(MIXED, 150, 50), seen, one(150, 50), TX.commitLsn)).toHaveLength(1);
    // Moved into the fresh run's range: that run showed the new row.
    expect(await f.keep(upd(MIXED, 50, 150), seen, one(50, 150), TX.commitLsn)).toEqual([]);
  });

  it('judges each half of a key change by its header when the envelope skips one half (skippedOperations)', async () => {
    const f = new FreshReadFilter(SPEC, fakeChecker(), noRecord);
    const seen = [false, true];
    const skipping = (skipped: SkippableOperation[]): EnvelopeBuilder => new EnvelopeBuilder({ connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '1', options: { ...ENVELOPE_OPTIONS, skippedOperations: skipped } });
    const ev = upd(MIXED, 50, 500);
    // Creates skipped: the delete of the slot's run's row must still go (its new key's run saw the change).
    expect(ops(await f.keep(ev, seen, skipping(['c']).records(ev, TX, 0, 0n), TX.commitLsn))).toEqual(['d{"id":50}', '~{"id":50}']);
    // Deletes skipped: the create of a key the fresh run already showed does not.
    expect(ops(await f.keep(ev, seen, skipping(['d']).records(ev, TX, 0, 0n), TX.commitLsn))).toEqual([]);
    const back = upd(MIXED, 500, 50);
    expect(ops(await f.keep(back, seen, skipping(['c']).records(back, TX, 0, 0n), TX.commitLsn))).toEqual([]);
    expect(ops(await f.keep(back, seen, skipping(['d']).records(back, TX, 0, 0n), TX.commitLsn))).toEqual(['c{"id":50}']);
  });

  it('keeps everything of a table whose runs recorded ranges of another kind or key length', () => {
    const spec: ReplaySpec = { ...SPEC, tables: { 'public.mixed': { key: KEY, ranges: [{ kind: 'pages', fromPage: 0, toPage: 4, read: 0 }, { kind: 'keys', lower: null, upper: null, read: 1 }] } } };
    const checker = fakeChecker();
    const f = new FreshReadFilter(spec, checker, noRecord);
    const ev = ins(MIXED, 150);
    expect(ops(f.keep(ev, [false, true], builder().records(ev, TX, 0, 0n), TX.commitLsn) as SinkRecord[])).toEqual(['c{"id":150}']);
    expect(checker.asked).toBe(0);
  });

  it('a standby run (no visibility) saw exactly what committed below its position', () => {
    const f = new FreshReadFilter({ reads: [null, { snapshot: '', walAfter: '0/5000' }], tables: {} }, fakeChecker(), noRecord);
    expect(f.seenBy(999_999, lsn(0x4fffn))).toEqual([false, true]);
    expect(f.seenBy(1, lsn(0x5000n))).toBeNull();
  });
});

describe('StreamSession with the fresh-read filter', () => {
  it('keeps the stream order while keys wait for PostgreSQL (several events per message, arrivals meanwhile)', async () => {
    let seed = 4242;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % n; };
    const source = fakeSource();
    const published: string[] = [];
    const sink: Sink = {
      type: 'kafka', start: async () => undefined, ensureTopics: async () => undefined, stop: async () => undefined,
      publish: (records: readonly SinkRecord[], _c?: SinkCheckpoint) => { published.push(...ops(records)); return Promise.resolve(); },
    };
    const checker = fakeChecker(() => rand(3));
    const session = new StreamSession({
      repl: source.repl, decoder: source.decoder, builder: builder(), sink, logger: createMemoryLogger(), startLsn: lsn(1n),
      knownTopics: new Set(['shop.public.mixed', 'shop.public.first']),
      options: { heartbeatMs: 1000, maxInFlightEvents: 10_000, batchSize: 7, stopTimeoutMs: 1000 },
      exactlyOnce: { committed: null, freshRead: new FreshReadFilter(SPEC, checker, noRecord) },
    });
    void session.run('').catch(() => undefined);
    await Promise.resolve();

    const expected: string[] = [];
    let at = 0x100n;
    for (let t = 0; t < 60; t++) {
      // Seen by the fresh run: xid 120 below its WAL position; not seen: xid 300 or past it.
      const seenTx = rand(2) === 0;
      const xid = seenTx ? 120 : 300;
      const commit = at + 0x40n;
      const events: ChangeEvent[] = [];
      const begin: ChangeEvent = { kind: 'begin', xid, finalLsn: lsn(commit), commitTimeUs: 1_000_000n };
      for (let i = 0, n = 1 + rand(4); i < n; i++) {
        const id = rand(200);
        const table = rand(3) === 0 ? FIRST : MIXED;
        events.push(ins(table, id));
        const dropped = seenTx && table === MIXED && id > 100;
        if (!dropped) expected.push(`c{"id":${id}}`);
      }
      const end: ChangeEvent = { kind: 'commit', commitLsn: lsn(commit), endLsn: lsn(commit + 1n), commitTimeUs: 1_000_000n };
      // Sometimes the whole transaction in one message, else one message per event.
      if (rand(2) === 0) source.feed(at, begin, ...events, end);
      else {
        source.feed(at, begin);
        events.forEach((ev, i) => source.feed(at + 1n + BigInt(i), ev));
        source.feed(commit, end);
      }
      at += 0x100n;
      if (rand(3) === 0) await new Promise((r) => setTimeout(r, rand(3)));
    }
    const deadline = Date.now() + 5000;
    while (published.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r));
    expect(published).toEqual(expected);
    expect(checker.asked).toBeGreaterThan(10);
    await session.stop('test');
  });
  it('holds inside the replay of a streamed transaction too: its records and what arrived meanwhile keep their order', async () => {
    const root = mkdtempSync(join(tmpdir(), 'walcast-fresh-read-test-'));
    const streamed = new StreamedTransactions(SpillStore.open(join(root, 's'), 256), createMemoryLogger());
    const source = fakeSource();
    const published: string[] = [];
    const sink: Sink = {
      type: 'kafka', start: async () => undefined, ensureTopics: async () => undefined, stop: async () => undefined,
      publish: (records: readonly SinkRecord[]) => { published.push(...ops(records)); return Promise.resolve(); },
    };
    let seed = 99;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % n; };
    const checker = fakeChecker(() => rand(3));
    const session = new StreamSession({
      repl: source.repl, decoder: source.decoder, builder: builder(), sink, logger: createMemoryLogger(), startLsn: lsn(1n),
      knownTopics: new Set(['shop.public.mixed', 'shop.public.first']), streamed,
      options: { heartbeatMs: 1000, maxInFlightEvents: 10_000, batchSize: 5, stopTimeoutMs: 1000 },
      exactlyOnce: { committed: null, freshRead: new FreshReadFilter(SPEC, checker, noRecord) },
    });
    void session.run('').catch(() => undefined);
    await Promise.resolve();
    try {
      const expected: string[] = [];
      // A streamed transaction the fresh run saw (xid 120), in two blocks.
      const ids = Array.from({ length: 40 }, () => rand(200));
      source.feed(0x100n, { kind: 'streamStart', xid: 120, firstSegment: true });
      ids.slice(0, 20).forEach((id, i) => source.feed(0x101n + BigInt(i), { ...ins(MIXED, id), xid: 120 }));
      source.feed(0x200n, { kind: 'streamStop' });
      source.feed(0x201n, { kind: 'streamStart', xid: 120, firstSegment: false });
      ids.slice(20).forEach((id, i) => source.feed(0x202n + BigInt(i), { ...ins(MIXED, id), xid: 120 }));
      source.feed(0x300n, { kind: 'streamStop' });
      source.feed(0x301n, { kind: 'streamCommit', xid: 120, commitLsn: lsn(0x400n), endLsn: lsn(0x401n), commitTimeUs: 1_000_000n });
      for (const id of ids) if (id <= 100) expected.push(`c{"id":${id}}`);
      // Arrives while the replay runs: a transaction nobody saw (every record goes out, after the replay's).
      source.feed(0x500n, { kind: 'begin', xid: 300, finalLsn: lsn(0x540n), commitTimeUs: 1_000_000n }, ins(MIXED, 150), ins(FIRST, 7),
        { kind: 'commit', commitLsn: lsn(0x540n), endLsn: lsn(0x541n), commitTimeUs: 1_000_000n });
      expected.push('c{"id":150}', 'c{"id":7}');
      const deadline = Date.now() + 5000;
      while (published.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setImmediate(r));
      expect(published).toEqual(expected);
      expect(checker.asked).toBe(40);
    } finally {
      await session.stop('test');
      rmSync(root, { recursive: true, force: true });
    }
  });
});

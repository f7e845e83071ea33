/**
 * The spill of streamed in-progress transactions: every change kind survives the round trip with
 * the relation it was read against, memory stays under the budget, the file and the in-memory
 * tail are read back in order, aborted subtransactions are skipped, and nothing is left on disk.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UNCHANGED_TOAST, type DataEvent, type Relation } from '../../../connector/model/change';
import { SpillStore, type SpilledTx } from '../../../connector/offsets/spill';
import { lsn } from '../../../connector/protocol/lsn';

const rel = (columns: string[], table = 't'): Relation => Object.freeze({
  oid: 16400, schema: 'public', table, replicaIdentity: 'default',
  columns: Object.freeze(columns.map((name, i) => Object.freeze({ name, typeOid: i === 0 ? 23 : 25, typeMod: -1, isKey: i === 0 }))),
});

async function readAll(tx: SpilledTx): Promise<DataEvent[]> {
  const out: DataEvent[] = [];
  for await (const events of tx.read()) out.push(...events);
  return out;
}

describe('SpillStore', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'walcast-spill-test-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('round-trips every change kind with the relation version each was read against', async () => {
    const store = SpillStore.open(join(root, 's'), 64); // below one record: everything goes to disk
    const tx = store.create(7);
    const v1 = rel(['id', 'v']);
    const v2 = rel(['id', 'v', 'added ✓']);
    const other = rel(['k'], 'other');
    const events: DataEvent[] = [
      { kind: 'insert', lsn: lsn(1), relation: v1, after: ['1', null] },
      { kind: 'update', lsn: lsn(2), relation: v1, before: ['1', null], beforeIsKeyOnly: true, after: ['2', UNCHANGED_TOAST] },
      { kind: 'update', lsn: lsn(3), relation: v2, before: null, beforeIsKeyOnly: false, after: ['2', 'ünïcødé 😀', ''] },
      { kind: 'delete', lsn: lsn(4), relation: v2, before: ['2', 'x', 'y'], beforeIsKeyOnly: false },
      { kind: 'truncate', lsn: lsn(5), relations: [v2, other], cascade: true, restartIdentity: false },
      { kind: 'message', lsn: lsn(0xffffffffffn), transactional: true, prefix: 'pfx', content: Buffer.from([0, 255, 10]) },
    ];
    for (const ev of events) tx.append(ev, 7);
    expect(tx.fileBytes).toBeGreaterThan(0);
    const back = await readAll(tx);
    expect(back).toEqual(events);
    // One Relation object per version, shared by the rows read against it.
    expect(back[0].kind === 'insert' && back[1].kind === 'update' && back[0].relation === back[1].relation).toBe(true);
    expect(back[2].kind === 'update' && back[2].relation.columns.map((c) => c.name)).toEqual(['id', 'v', 'added ✓']);
    tx.discard();
    store.close();
  });

  it('keeps memory under the budget, writes the rest to disk, reads file then memory in order', async () => {
    const budget = 16 * 1024;
    const store = SpillStore.open(join(root, 's'), budget);
    const a = store.create(1);
    const b = store.create(2);
    const r = rel(['id', 'v']);
    let peak = 0;
    for (let i = 0; i < 5000; i++) {
      (i % 2 === 0 ? a : b).append({ kind: 'insert', lsn: lsn(i), relation: r, after: [String(i), 'x'.repeat(50)] }, i % 2 === 0 ? 1 : 2);
      peak = Math.max(peak, store.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(budget + 200); // at most one record past the budget before the flush
    expect(a.fileBytes).toBeGreaterThan(budget);
    const ids = (await readAll(a)).map((e) => (e.kind === 'insert' ? Number(e.after[0]) : -1));
    expect(ids).toEqual(Array.from({ length: 2500 }, (_, i) => i * 2));
    a.discard();
    b.discard();
    expect(store.bufferedBytes).toBe(0);
    expect(readdirSync(join(root, 's'))).toEqual([]);
    store.close();
    expect(existsSync(join(root, 's'))).toBe(false);
  });

  it('replays a spill of several read chunks in order, in small slices (records straddle chunk ends)', async () => {
    const store = SpillStore.open(join(root, 's'), 1024);
    const tx = store.create(4);
    const r = rel(['id', 'v']);
    const n = 30_000; // ~3.5 MB on disk: four 1 MiB reads, then the in-memory tail
    for (let i = 0; i < n; i++) tx.append({ kind: 'insert', lsn: lsn(i), relation: r, after: [String(i), 'y'.repeat(90 + (i % 13))] }, 4);
    tx.append({ kind: 'insert', lsn: lsn(n), relation: r, after: [String(n), 'tail'] }, 4); // stays in memory
    expect(tx.fileBytes).toBeGreaterThan(3 * 1024 * 1024);
    const sizes: number[] = [];
    const ids: number[] = [];
    for await (const events of tx.read()) {
      sizes.push(events.length);
      for (const e of events) ids.push(e.kind === 'insert' ? Number(e.after[0]) : -1);
    }
    expect(ids).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256);
    store.close();
  });

  it('reads a record larger than one read chunk', async () => {
    const store = SpillStore.open(join(root, 's'), 1024);
    const tx = store.create(3);
    const big = 'z'.repeat(3 * 1024 * 1024 + 17);
    const r = rel(['id', 'v']);
    tx.append({ kind: 'insert', lsn: lsn(1), relation: r, after: ['1', 'small'] }, 3);
    tx.append({ kind: 'insert', lsn: lsn(2), relation: r, after: ['2', big] }, 3);
    tx.append({ kind: 'insert', lsn: lsn(3), relation: r, after: ['3', 'small'] }, 3);
    const back = await readAll(tx);
    expect(back.map((e) => (e.kind === 'insert' ? e.after[1]?.toString().length : 0))).toEqual([5, big.length, 5]);
    store.close();
  });

  it('skips the changes of aborted subtransactions only', async () => {
    const store = SpillStore.open(join(root, 's'), 1 << 20);
    const tx = store.create(10);
    const r = rel(['id', 'v']);
    const xids = [10, 10, 11, 12, 11, 13, 10];
    xids.forEach((x, i) => tx.append({ kind: 'insert', lsn: lsn(i), relation: r, after: [String(i), null] }, x));
    expect(tx.fileBytes).toBe(0); // a small transaction stays in memory
    tx.abortSubtransaction(11);
    tx.abortSubtransaction(13);
    const ids = (await readAll(tx)).map((e) => (e.kind === 'insert' ? e.after[0] : ''));
    expect(ids).toEqual(['0', '1', '3', '6']);
    store.close();
  });

  it('empties a directory a previous process left behind', () => {
    const dir = join(root, 's');
    mkdirSync(dir);
    writeFileSync(join(dir, '99-1.spill'), 'stale');
    const store = SpillStore.open(dir, 1024);
    expect(readdirSync(dir)).toEqual([]);
    store.close();
  });

  it('refuses appends after discard', () => {
    const store = SpillStore.open(join(root, 's'), 1024);
    const tx = store.create(1);
    tx.discard();
    expect(() => tx.append({ kind: 'insert', lsn: lsn(1), relation: rel(['id']), after: ['1'] }, 1)).toThrow(/discarded/);
    store.close();
  });

  it('a full disk is SPILL_QUOTA, not retried: the restart would fill it at the same place again', () => {
    const store = SpillStore.open(join(root, 's'), 64);
    const tx = store.create(5);
    symlinkSync('/dev/full', tx.path); // every write: ENOSPC
    let err: unknown;
    try { tx.append({ kind: 'insert', lsn: lsn(1), relation: rel(['id', 'v']), after: ['1', 'x'.repeat(200)] }, 5); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'SPILL_QUOTA', retriable: false });
    expect((err as Error).message).toMatch(/disk of .* is full .*streamSpillMaxBytes.*streamInProgress = false/s);
    store.close();
  });

  it('stops at the disk quota with SPILL_QUOTA naming the remedies; freed space counts again', () => {
    const store = SpillStore.open(join(root, 'q'), 64, 4096); // 64 B memory: every change goes to disk
    const r = rel(['id', 'v']);
    const row = (n: number): DataEvent => ({ kind: 'insert', lsn: lsn(n), relation: r, after: [String(n), 'x'.repeat(200)] });
    const a = store.create(1);
    let n = 0;
    let caught: unknown = null;
    try {
      for (; n < 1000; n++) a.append(row(n), 1);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'SPILL_QUOTA', retriable: false, context: { xid: 1, maxBytes: 4096 } });
    expect((caught as Error).message).toMatch(/source\.streamSpillMaxBytes \(4096 bytes\).*Raise source\.streamSpillMaxBytes.*source\.streamInProgress = false/);
    expect(n).toBeGreaterThan(5);
    expect(store.diskBytes).toBeLessThanOrEqual(4096);
    a.discard();
    expect(store.diskBytes).toBe(0);
    // The quota is for all open transactions together, and a discarded one gave its space back.
    const b = store.create(2);
    for (let i = 0; i < 5; i++) b.append(row(i), 2);
    expect(store.diskBytes).toBeGreaterThan(0);
    store.close();
  });

  it('no quota by default (0)', () => {
    const store = SpillStore.open(join(root, 'u'), 64);
    const tx = store.create(1);
    for (let i = 0; i < 200; i++) tx.append({ kind: 'insert', lsn: lsn(i), relation: rel(['id', 'v']), after: [String(i), 'x'.repeat(200)] }, 1);
    expect(store.diskBytes).toBeGreaterThan(40_000);
    store.close();
  });
});

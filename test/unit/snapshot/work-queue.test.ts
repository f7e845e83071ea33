import type { Chunk } from '../../../connector/snapshot/chunks';
import { WorkQueue } from '../../../connector/snapshot/work-queue';

const all = (table: number): Chunk => ({ kind: 'all', table });
const pages = (table: number, fromPage: number): Chunk => ({ kind: 'pages', table, fromPage, toPage: null });

describe('WorkQueue', () => {
  it('plans tables in the given order and puts their chunks first', async () => {
    const q = new WorkQueue([2, 0]);
    expect(await q.next()).toEqual({ kind: 'plan', table: 2 });
    q.planned(2, [pages(2, 0), pages(2, 5)]);
    expect(await q.next()).toEqual({ kind: 'chunk', chunk: pages(2, 0) });
    expect(await q.next()).toEqual({ kind: 'chunk', chunk: pages(2, 5) });
    expect(await q.next()).toEqual({ kind: 'plan', table: 0 });
  });

  it('keeps idle readers waiting while a plan may add chunks, then ends them', async () => {
    const q = new WorkQueue([0]);
    await q.next();
    const waiting = [q.next(), q.next()];
    q.planned(0, [all(0)]);
    expect(await waiting[0]).toEqual({ kind: 'chunk', chunk: all(0) });
    expect(await waiting[1]).toBeNull();
    expect(q.chunkDone(all(0))).toBe(true);
  });

  it('reports a table complete only after its last chunk', async () => {
    const q = new WorkQueue([0]);
    await q.next();
    q.planned(0, [pages(0, 0), pages(0, 1)]);
    expect(q.chunkDone(pages(0, 0))).toBe(false);
    expect(q.chunkDone(pages(0, 1))).toBe(true);
  });

  it('hands out nothing more once closed', async () => {
    const q = new WorkQueue([0, 1]);
    await q.next();
    const waiting = q.next().then(() => q.next());
    q.close();
    expect(await waiting).toBeNull();
  });
});

import { PassThrough } from 'node:stream';
import { createMemoryLogger, type CapturedLog } from '../../../connector/observe/logger';
import { createProgress } from '../../../connector/snapshot/progress';

describe('snapshot progress', () => {
  it('logs per table at most every interval and once at the end, with rate and percent', () => {
    const logs: CapturedLog[] = [];
    let now = 0;
    const p = createProgress('log', [{ name: 'public.orders', estimatedRows: 1000 }, { name: 'public.x', estimatedRows: -1 }], {
      logger: createMemoryLogger(logs), now: () => now, logEveryMs: 5000,
    });
    p.rows(0, 100);
    now = 4000;
    p.rows(0, 100);
    expect(logs).toHaveLength(0);
    now = 5000;
    p.rows(0, 300);
    now = 6000;
    p.rows(1, 10);
    now = 9000;
    p.rows(0, 100);
    expect(logs.map((l) => l.fields)).toEqual([
      { table: 'public.orders', rowsDone: 500, rowsEstimated: 1000, rowsPerSec: 100, percent: 50 },
    ]);
    now = 10000;
    p.tableDone(0);
    p.tableDone(1);
    expect(logs.slice(1).map((l) => l.fields)).toEqual([
      { table: 'public.orders', rowsDone: 600, rowsEstimated: 600, rowsPerSec: 60, percent: 100 },
      { table: 'public.x', rowsDone: 10, rowsEstimated: 10, rowsPerSec: 3, percent: 100 },
    ]);
  });

  it('auto mode logs when the stream is not a terminal; none reports nothing', () => {
    const logs: CapturedLog[] = [];
    const stream = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    const auto = createProgress('auto', [{ name: 't', estimatedRows: 1 }], { logger: createMemoryLogger(logs), stream });
    auto.rows(0, 1);
    auto.tableDone(0);
    const none = createProgress('none', [{ name: 't', estimatedRows: 1 }], { logger: createMemoryLogger(logs) });
    none.rows(0, 1);
    none.tableDone(0);
    expect(logs.map((l) => l.fields.table)).toEqual(['t']);
  });

  it('draws bars that name the table and how far it got', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }) as unknown as NodeJS.WriteStream;
    let out = '';
    (stream as unknown as PassThrough).on('data', (d: Buffer) => { out += d.toString(); });
    const logs: CapturedLog[] = [];
    const p = createProgress('bar', [{ name: 'public.orders', estimatedRows: 1000 }], { logger: createMemoryLogger(logs), stream });
    p.rows(0, 250);
    p.tableDone(0);
    p.stop();
    expect(out).toMatch(/public\.orders .*250\/250 rows/);
    // The table's end is a log line (drawn above the bars by the shared console), not bar text.
    expect(logs.map((l) => [l.msg, l.fields])).toEqual([['snapshot of public.orders done: 250 rows', { table: 'public.orders', rowsDone: 250 }]]);
  });
});

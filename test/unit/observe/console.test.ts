/**
 * Logs and snapshot progress bars on one terminal, checked on an emulated screen (xterm.js):
 * log lines written while bars are drawn appear whole above them, and stopping leaves no bar.
 */
import { consoleFor } from '../../../connector/observe/console';
import { createLogger } from '../../../connector/observe/logger';
import { createProgress } from '../../../connector/snapshot/progress';
import { Screen } from '../../infra/screen';

const BAR = /rows\/s/;

describe('console: logs and progress bars on one terminal', () => {
  let screen: Screen;
  beforeEach(() => { screen = new Screen(80, 24); });
  afterEach(() => screen.dispose());

  const setup = (format: 'json' | 'pretty') => {
    const logger = createLogger({ level: 'info', format, colorize: false, destination: screen.stream });
    const progress = createProgress('bar', [{ name: 'public.orders', estimatedRows: 1000 }, { name: 'public.customers', estimatedRows: 500 }], {
      logger, stream: screen.stream,
    });
    return { logger, progress };
  };

  it('writes a JSON log line longer than the terminal whole, above the bars, with no stale bar', async () => {
    const { logger, progress } = setup('json');
    progress.rows(0, 100);
    progress.rows(1, 50);
    consoleFor(screen.stream); // same console the logger and bars use
    const note = 'x'.repeat(150);
    logger.warn({ table: 'public.orders', note }, 'a long line that the terminal has to wrap');
    progress.rows(0, 100);
    logger.info({}, 'short');
    progress.rows(1, 50);
    progress.tableDone(1);
    progress.stop();

    const lines = await screen.lines();
    const logged = lines.filter((l) => l.startsWith('{'));
    expect(logged.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'a long line that the terminal has to wrap', 'short', 'snapshot of public.customers done: 100 rows',
    ]);
    expect((JSON.parse(logged[0]!) as { note: string }).note).toBe(note);
    // Only log lines remain: every bar was erased (the finished one by remove, the other by stop).
    expect(lines.filter((l) => BAR.test(l))).toEqual([]);
    expect(lines.every((l) => l.startsWith('{'))).toBe(true);
    expect(screen.cursorVisible()).toBe(true);
  });

  it('keeps one bar per table on screen while logging, below the logs', async () => {
    const { logger, progress } = setup('pretty');
    progress.rows(0, 10);
    progress.rows(1, 10);
    for (let i = 0; i < 5; i++) {
      logger.info({ i }, `line ${i}`);
      progress.rows(0, 10);
    }
    const lines = await screen.lines();
    progress.stop();
    const bars = lines.filter((l) => BAR.test(l));
    expect(bars).toHaveLength(2);
    expect(lines.slice(-2)).toEqual(bars);
    const logs = lines.slice(0, -2);
    expect(logs).toHaveLength(5);
    logs.forEach((l, i) => expect(l).toMatch(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: line ${i} \\{"i":${i}\\}$`)));
  });

  it('erases the bars and shows the cursor again on a hard exit (second Ctrl-C)', async () => {
    const before = process.listeners('exit');
    const { progress } = setup('pretty');
    progress.rows(0, 10);
    const added = process.listeners('exit').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    expect(screen.cursorVisible()).toBe(false);
    (added[0] as () => void)();
    expect(process.listeners('exit').filter((l) => !before.includes(l))).toHaveLength(0);
    expect((await screen.lines()).filter((l) => BAR.test(l))).toEqual([]);
    expect(screen.cursorVisible()).toBe(true);
    progress.stop(); // harmless afterwards
  });

  it('writes straight to the stream when no bars are drawn', async () => {
    const logger = createLogger({ level: 'info', format: 'json', destination: screen.stream });
    logger.info({}, 'plain');
    expect((await screen.lines()).map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['plain']);
  });
});

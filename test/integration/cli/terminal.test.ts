/**
 * `walcast run` on a real pseudo-terminal (util-linux `script`), as a person sees it: snapshot
 * bars are drawn, log lines written meanwhile appear whole, Ctrl-C (typed into the terminal, so
 * the line discipline sends SIGINT) stops cleanly and leaves no bar behind, and the logs are
 * human-readable lines. The bytes the program wrote are replayed into a headless xterm.js to
 * get the final screen.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { kafkaFromInfra } from '../../infra/env';
import { Screen } from '../../infra/screen';
import { waitFor } from '../../infra/wait';
import { CLI, requireBuiltCli, writeConfigFile } from '../support/cli-process';
import { dropSlotAndPublication, scenario } from '../support/connector';

const COLS = 160;
const ROWS = 30;
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

describe('walcast run on a terminal', () => {
  it('draws bars, keeps log lines whole, and leaves no bar after Ctrl-C', async () => {
    requireBuiltCli();
    const kafka = kafkaFromInfra();
    const s = await scenario({ type: 'kafka', kafka: { brokers: [kafka.bootstrap], partitions: 1 } }, {
      snapshot: { mode: 'initial', chunkRows: 2000, parallelism: 2 },
    });
    // Big enough that the snapshot is still running when Ctrl-C arrives.
    await s.db.query('CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL)');
    await s.db.query("INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 400000) g");
    await s.db.query('CREATE TABLE small (id int PRIMARY KEY)');
    await s.db.query('INSERT INTO small SELECT generate_series(1, 10)');
    await s.db.query('ANALYZE');
    const file = writeConfigFile({ ...s.config, log: { level: 'info' } });

    const command = `stty cols ${COLS} rows ${ROWS}; exec ${quote(process.execPath)} ${quote(CLI)} run --config ${quote(file)}`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const screen = new Screen(COLS, ROWS);
    try {
      // A bar of the big table is on screen, and the small table's "done" line was logged while it was.
      // The big table's bar is on screen (drawn at least twice), the small table long done.
      await waitFor(() => (out.match(/big .*?\d+\/\d+ rows \| \d+ rows\/s/g) ?? []).length >= 2, {
        timeoutMs: 60_000, message: () => `no progress bar:\n${out}`,
      });
      child.stdin.write('\x03'); // Ctrl-C, through the terminal
      const code = await waitFor(() => exited, { timeoutMs: 60_000, message: () => `no exit after Ctrl-C:\n${out}` });
      expect(code).toBe(0);

      screen.feed(out);
      const lines = (await screen.lines()).filter((l) => l.trim() !== '' && l.trim() !== '^C');
      // No bar left on the screen.
      expect(lines.filter((l) => /rows\/s|\[[█░]+\]/.test(l))).toEqual([]);
      // Every line is one whole log entry, `[HH:MM:SS.mmm] LEVEL: message {fields}` (a line cut
      // by a bar, or a bar drawn over a log line, would not parse).
      const entry = /^(\^C)?\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR): (.*)$/;
      const bad = lines.filter((l) => !entry.test(l));
      expect(bad).toEqual([]);
      const messages = lines.map((l) => entry.exec(l)![3]!);
      expect(messages).toEqual(expect.arrayContaining([
        expect.stringMatching(/^snapshot of public\.small done: 10 rows \{/),
        expect.stringMatching(/^signal received: stopping/),
        expect.stringMatching(/^stopped; slot "walcast_\w+" kept: it holds WAL until walcast resumes \(README: Removing a connector\)$/),
      ]));
      expect(screen.cursorVisible()).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      screen.dispose();
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
      rmSync(s.config.offsets.stateDir, { recursive: true, force: true });
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });
});

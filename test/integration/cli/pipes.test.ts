import { createTestDatabase, pgFromInfra, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';
import { waitFor } from '../../infra/wait';
import { startCli } from '../support/cli-process';

// A closed stdout ends the command quietly with exit 0, as for Unix tools:
// `walcast status | head`, `walcast tail | head -n 2`. The built CLI runs as a child process
// whose stdout pipe the test closes, as `head` does when it has read enough.

let db: TestDatabase;
let stateDir: string;

beforeAll(async () => {
  db = await createTestDatabase('pipes');
  await db.query('CREATE TABLE public.orders (id serial PRIMARY KEY, note text)');
  await db.query("INSERT INTO public.orders (note) SELECT 'row ' || g FROM generate_series(1, 20) g");
  stateDir = tempDir('walcast-pipes-');
});

afterAll(async () => {
  await pgFromInfra().close();
});

const envFor = (name: string): NodeJS.ProcessEnv => ({
  WALCAST_NAME: name, WALCAST_SOURCE_URL: db.url, WALCAST_SOURCE_TABLES: 'public.orders',
  WALCAST_OFFSETS_STATE_DIR: stateDir, WALCAST_HTTP_PORT: '0', WALCAST_SOURCE_HEARTBEAT_MS: '1000',
});

test('status | head: stdout closed before the output is written is exit 0, no crash', async () => {
  const p = startCli(['status'], envFor(uniqueName('pst')));
  p.child.stdout!.destroy(); // the reader is gone before status has connected and printed
  expect(await p.exited).toBe(0);
  expect(p.stderr()).not.toMatch(/EPIPE|Error|Unhandled/i);
});

test('tail | head -n 2: exits 0 once its reader is gone, without retrying', async () => {
  const name = uniqueName('ptl');
  // tail uses the connector's publication as it is (and a temporary slot of its own).
  await db.query(`CREATE PUBLICATION "walcast_${name}" FOR TABLE public.orders`);
  const p = startCli(['tail'], envFor(name));
  let stopWorkload = false;
  // Changes keep coming, so tail keeps writing after the reader left (as in the issue).
  const workload = (async () => {
    while (!stopWorkload && p.child.exitCode === null) {
      await db.query("INSERT INTO public.orders (note) VALUES ('live')");
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    await waitFor(() => p.stdout().split('\n').length > 2, { timeoutMs: 60_000, message: () => `two lines from tail; stderr:\n${p.stderr()}` });
    p.child.stdout!.destroy(); // `head -n 2` has its two lines and exits
    const code = await waitFor(() => p.child.exitCode ?? (p.child.signalCode !== null ? p.child.signalCode : undefined),
      { timeoutMs: 30_000, message: 'tail to exit after its stdout was closed' });
    expect(code).toBe(0);
  } finally {
    stopWorkload = true;
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await workload;
  }
  const lines = p.stdout().split('\n').slice(0, 2);
  for (const l of lines) expect(JSON.parse(l)).toHaveProperty('topic', `${name}.public.orders`);
  expect(p.stderr()).not.toMatch(/restarting|retrying|"level":"error"/);
});

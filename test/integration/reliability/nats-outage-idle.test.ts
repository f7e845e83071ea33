import { createTestDatabase, pgFromInfra, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { freePort, type NatsServerHandle, startNats } from '../../infra/nats';
import { tempDir } from '../../infra/temp-dirs';
import { waitFor } from '../../infra/wait';
import { startCli, writeConfigFile } from '../support/cli-process';
import { streamMessageCount } from '../sink/nats-support';

// NATS dies while the database is quiet. The sink's connection closed at once, but nothing told
// the stream session until the next change (hours, on a quiet database): /health/ready stayed 200
// and the outage showed nowhere. Now the closed connection ends the session: readiness goes 503,
// the supervisor retries, and once NATS is back the connector streams again.

let db: TestDatabase;
let nats: NatsServerHandle;

beforeAll(async () => {
  db = await createTestDatabase('nats_idle');
  await db.query('CREATE TABLE public.t (id int PRIMARY KEY)');
  nats = await startNats(); // its own server: this test kills it
});

afterAll(async () => {
  await nats?.stop();
  await pgFromInfra().close();
});

/** `walcast run` on public.t into a NATS stream of its own, quiet (snapshot never); its readiness. */
async function idleConnector(prefix: string) {
  const name = uniqueName(prefix);
  const stream = uniqueName('S').toUpperCase();
  const port = await freePort();
  const p = startCli(['run', '--config', writeConfigFile({
    name, source: { url: db.url, tables: ['public.t'], heartbeatMs: 300, retryInitialMs: 200, retryMaxMs: 1000 },
    snapshot: { mode: 'never' }, sink: { type: 'nats', nats: { servers: [nats.info.url], stream, createStream: true } },
    http: { port }, offsets: { store: 'file', stateDir: tempDir(`walcast-${prefix}-`) }, log: { format: 'json' },
  })]);
  const ready = async (): Promise<number> => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null))?.status ?? 0;
  const end = async (): Promise<void> => {
    p.child.kill('SIGTERM');
    await p.exited;
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [`walcast_${name}`]);
  };
  return { p, stream, ready, end };
}

test('NATS killed while nothing is published: ready goes 503 without a change; back, it streams again', async () => {
  const { p, stream, ready, end } = await idleConnector('natsidle');
  try {
    await waitFor(async () => (await ready()) === 200, { timeoutMs: 60_000, message: () => `ready; stderr:\n${p.stderr()}` });
    await nats.kill();
    await waitFor(async () => (await ready()) === 503, { timeoutMs: 20_000, message: () => `ready 503 after the kill; stderr:\n${p.stderr()}` });
    await nats.restart();
    await waitFor(async () => (await ready()) === 200, { timeoutMs: 60_000, message: () => `ready again; stderr:\n${p.stderr()}` });
    await db.query('INSERT INTO public.t VALUES (1)');
    await waitFor(async () => (await streamMessageCount(nats.info.url, stream).catch(() => 0)) >= 1, { timeoutMs: 30_000, message: 'the insert in the stream' });
    expect(p.stderr()).toMatch(/"msg":"stream session failed: nats connection closed/);
  } finally {
    await end();
  }
});

test('NATS frozen while nothing is published (a server that stops answering): pings notice it, ready goes 503; thawed, it streams again', async () => {
  const { p, stream, ready, end } = await idleConnector('natsfrozen');
  const pid = nats.pid!;
  try {
    await waitFor(async () => (await ready()) === 200, { timeoutMs: 60_000, message: () => `ready; stderr:\n${p.stderr()}` });
    process.kill(pid, 'SIGSTOP');
    // Pings every 5 s (the floor), stale at the third tick: 10 to 15 s. The client's default
    // (2 minutes, 2 pings) took 4 minutes or more.
    await waitFor(async () => (await ready()) === 503, { timeoutMs: 40_000, message: () => `ready 503 while frozen; stderr:\n${p.stderr()}` });
    expect(p.stderr()).toMatch(/nats server stopped answering pings/);
    process.kill(pid, 'SIGCONT');
    await waitFor(async () => (await ready()) === 200, { timeoutMs: 90_000, message: () => `ready again; stderr:\n${p.stderr()}` });
    await db.query('INSERT INTO public.t VALUES (2)');
    await waitFor(async () => (await streamMessageCount(nats.info.url, stream).catch(() => 0)) >= 1, { timeoutMs: 30_000, message: 'the insert in the stream' });
  } finally {
    process.kill(pid, 'SIGCONT');
    await end();
  }
});

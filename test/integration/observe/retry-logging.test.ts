import type { CapturedLog } from '../../../connector/observe/logger';
import { createTestDatabase, pgFromInfra, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { freePort, type NatsServerHandle, startNats } from '../../infra/nats';
import { waitFor } from '../../infra/wait';
import { tempDir } from '../../infra/temp-dirs';
import { run, scenario } from '../support/connector';

// A failure that repeats is said once. Before, each retried attempt logged about eight info
// lines (its phases, "snapshot decision", "adopted existing replication slot", "streaming
// changes", the sink starting and stopping): an outage of an hour wrote thousands of lines that
// said nothing new. And a second outage after a recovery on a quiet database was logged at debug
// only, because only a confirmed position counted as recovery.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('retrylog');
  await db.query('CREATE TABLE public.t (id int PRIMARY KEY)');
});
afterAll(async () => {
  await pgFromInfra().close();
});

const loud = (logs: readonly CapturedLog[]): string[] => logs.filter((l) => l.level !== 'debug').map((l) => `${l.level} ${l.msg}`);
const backoffs = (logs: readonly CapturedLog[]): number => logs.filter((l) => l.msg === 'connector backoff').length;

async function dropSlot(slot: string): Promise<void> {
  await waitFor(async () => (await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot])).every((r) => !r.active), { timeoutMs: 20_000, message: 'slot released' });
  await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
}

test('a broker that stays down: one warning, and the retried attempts log nothing at info', async () => {
  const port = await freePort(); // nothing listens there
  const s = await scenario({ type: 'nats', nats: { servers: [`nats://127.0.0.1:${port}`], stream: uniqueName('S').toUpperCase() } }, {
    source: { url: db.url, tables: ['public.t'], retryInitialMs: 100, retryMaxMs: 200 },
  });
  const r = run(s.config);
  try {
    await waitFor(() => backoffs(r.logs) >= 6, { timeoutMs: 60_000, message: () => `six backoffs; logs:\n${loud(r.logs).join('\n')}` });
  } finally {
    await r.handle.stop('test');
  }
  // The first retry is still told (its phases), then nothing until the stop.
  const secondBackoff = r.logs.filter((l) => l.msg === 'connector backoff')[1]!;
  const after = loud(r.logs.slice(r.logs.indexOf(secondBackoff) + 1));
  expect(after).toEqual(['info stop requested', 'info connector stopping', 'info connector stopped']);
  const warnings = loud(r.logs).filter((l) => l.startsWith('warn '));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/retrying \(attempt 1, .*repeats of this failure, and the routine lines of the attempts repeating it, are logged at debug/);
  await dropSlot(s.config.source.slot);
});

test('healthy again after an outage is said once, and a second outage is warned again', async () => {
  let nats: NatsServerHandle | undefined = await startNats(); // its own server: this test kills it
  const stream = uniqueName('S').toUpperCase();
  const s = await scenario({ type: 'nats', nats: { servers: [nats.info.url], stream, createStream: true } }, {
    source: { url: db.url, tables: ['public.t'], retryInitialMs: 100, retryMaxMs: 300 },
  });
  const r = run(s.config, { recoveredAfterMs: 1_500 });
  const warnings = (): string[] => loud(r.logs).filter((l) => l.startsWith('warn ') && /retrying \(attempt/.test(l));
  try {
    await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 60_000, message: 'streaming' });
    await nats.kill();
    await waitFor(() => backoffs(r.logs) >= 4, { timeoutMs: 60_000, message: () => `four backoffs; logs:\n${loud(r.logs).join('\n')}` });
    // The session's failure, and the refused connection of the attempts after it: two failures.
    const first = warnings();
    expect(first.length).toBeLessThanOrEqual(2);
    await waitFor(() => backoffs(r.logs) >= 8, { timeoutMs: 60_000, message: 'eight backoffs' });
    expect(warnings()).toEqual(first);
    await nats.restart();
    // Nothing is written to this database: streaming on is the recovery, or the slot's idle
    // advance when other databases of the shared server write WAL meanwhile.
    await waitFor(() => loud(r.logs).some((l) => /^info connector healthy again after \d+ failed attempt\(s\): (streaming for 1\.5 s|its confirmed position moved)$/.test(l)), {
      timeoutMs: 60_000, message: () => `healthy again; logs:\n${loud(r.logs).join('\n')}`,
    });
    await nats.kill();
    await waitFor(() => warnings().length > first.length, { timeoutMs: 60_000, message: () => `the second outage warned; logs:\n${loud(r.logs).join('\n')}` });
  } finally {
    await r.handle.stop('test');
    await nats.stop();
    nats = undefined;
  }
  await dropSlot(s.config.source.slot);
});

test('a snapshot that follows repeated failures logs its lines at info', async () => {
  const port = await freePort(); // NATS starts there later
  await db.query('CREATE TABLE public.snap (id int PRIMARY KEY)');
  await db.query('INSERT INTO public.snap SELECT generate_series(1, 10)');
  const s = await scenario({ type: 'nats', nats: { servers: [`nats://127.0.0.1:${port}`], stream: uniqueName('S').toUpperCase() } }, {
    source: { url: db.url, tables: ['public.snap'], retryInitialMs: 100, retryMaxMs: 200 },
    snapshot: { mode: 'initial' },
    offsets: { store: 'file', stateDir: tempDir('walcast-retrylog-') },
  });
  const r = run(s.config);
  let nats: NatsServerHandle | undefined;
  try {
    await waitFor(() => backoffs(r.logs) >= 4, { timeoutMs: 60_000, message: 'four backoffs' });
    nats = await startNats({ port });
    await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 60_000, message: () => `streaming; logs:\n${loud(r.logs).join('\n')}` });
    // After four quiet attempts, the snapshot is news: its phase and its lines at info.
    const lines = loud(r.logs).join('\n');
    expect(lines).toMatch(/^info connector snapshotting$/m);
    expect(lines).toMatch(/^info snapshot complete: every row acknowledged by the broker$/m);
  } finally {
    await r.handle.stop('test');
    await nats?.stop();
  }
  await dropSlot(s.config.source.slot);
});

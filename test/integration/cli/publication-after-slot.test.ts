import { createTestDatabase, pgFromInfra, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';
import { waitFor } from '../../infra/wait';
import { startCli } from '../support/cli-process';

// A slot created before its publication cannot decode the changes in between: PostgreSQL reads
// the publication with the catalog as it was at each change, and the walsender fails with
// `publication "..." does not exist` at every start. This once crashed walcast (the failure
// arrived while the setup connection closed, with nothing yet listening: an unhandled rejection,
// a stack dump and exit 1) and, past that, would have retried forever. Now it stops once with
// PUBLICATION_MISMATCH (exit 2) and says what to do.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('pub_after_slot');
  await db.query('CREATE TABLE public.items (id int PRIMARY KEY, note text)');
});

afterAll(async () => {
  await pgFromInfra().close();
});

test('an adopted slot older than the publication walcast creates: one clear error, exit 2, no crash', async () => {
  const name = uniqueName('pubslot');
  const slot = `${name}_s`;
  await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
  try {
    // A change between the slot's position and the publication's creation.
    await db.query("INSERT INTO public.items VALUES (1, 'before the publication')");
    const p = startCli(['run'], {
      WALCAST_NAME: name, WALCAST_SOURCE_URL: db.url, WALCAST_SOURCE_TABLES: 'public.items', WALCAST_SOURCE_SLOT: slot,
      WALCAST_SINK_TYPE: 'stdout', WALCAST_SNAPSHOT_MODE: 'never', WALCAST_OFFSETS_STATE_DIR: tempDir('walcast-pubslot-'),
      WALCAST_HTTP_PORT: '0', WALCAST_LOG_FORMAT: 'pretty',
    });
    let code: number | null | undefined;
    void p.exited.then((c) => { code = c; });
    try {
      await waitFor(() => code !== undefined, { timeoutMs: 60_000, message: () => `walcast to stop; stderr:\n${p.stderr()}` });
    } finally {
      if (code === undefined) p.child.kill('SIGKILL');
    }
    const err = p.stderr();
    expect({ code, crashed: /Node\.js v\d|^\s+at /m.test(err) }).toEqual({ code: 2, crashed: false });
    expect(err).toContain('PUBLICATION_MISMATCH');
    expect(err).toContain(`publication "walcast_${name}"`);
    expect(err).toMatch(/created after the slot|did not exist at the slot's position/);
    expect(err.match(/does not exist/g)?.length ?? 0).toBeLessThanOrEqual(2);
  } finally {
    await db.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  }
});

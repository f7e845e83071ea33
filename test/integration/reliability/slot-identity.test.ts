/**
 * A slot has an identity (issue "Never lose a row", item 1). Each case lost rows before:
 * - kill -9 while CREATE_REPLICATION_SLOT waits for a running transaction: the restart used the
 *   half-created slot and recorded a snapshot "at 0/0";
 * - a slot dropped (or recreated) while walcast was stopped was silently replaced;
 * - a start without REPLICATION left the publication behind.
 * The oracle replays the connector's stdout (stdout sink) and compares it with the table.
 */
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../infra/env';
import { waitFor } from '../../infra/wait';
import { CliProcess, runCli, startCli, writeConfigFile } from '../support/cli-process';
import { replayDiff, slotAndPublicationExist, tableState, TopicMessage } from '../support/connector';
import { slotRow, stdoutMessages, stdoutScenario, StdoutScenario } from '../support/stdout-run';

const topicOf = (s: StdoutScenario): string => `${s.name}.public.t`;

async function expectReplayEqualsTable(db: TestDatabase, s: StdoutScenario, procs: () => CliProcess[]): Promise<void> {
  const expected = await tableState(db, 't');
  let msgs: TopicMessage[] = [];
  await waitFor(() => {
    msgs = procs().flatMap((p) => stdoutMessages(p.stdout(), topicOf(s)));
    return replayDiff(expected, msgs).length === 0;
  }, { timeoutMs: 60_000, intervalMs: 200, message: () => `replay never matched the table: ${replayDiff(expected, msgs).slice(0, 8).join('; ')}` });
}

async function stopCli(p: CliProcess): Promise<number | null> {
  if (p.child.exitCode === null) p.child.kill('SIGTERM');
  return p.exited;
}

describe('slot identity', () => {
  let db: TestDatabase;
  let s: StdoutScenario;
  const procs: CliProcess[] = [];
  beforeEach(async () => {
    db = await createTestDatabase('slotid');
    await db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    await db.query('INSERT INTO t SELECT g, 0 FROM generate_series(1, 50) g');
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) { if (p.child.exitCode === null) p.child.kill('SIGKILL'); await p.exited; }
    await db.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active', [s.slot]);
    await waitFor(async () => !((await slotRow(db, s.slot))?.active ?? false), { timeoutMs: 10_000 });
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [s.slot]);
  });
  const start = (extra?: Record<string, unknown>): CliProcess => {
    const p = startCli(['run', '--config', writeConfigFile(s.config(extra))]);
    procs.push(p);
    return p;
  };
  const streaming = (p: CliProcess): Promise<unknown> =>
    waitFor(() => /"to":"streaming"/.test(p.stderr()), { timeoutMs: 60_000, intervalMs: 100, message: () => `never streamed:\n${p.stderr()}` });

  it('kill -9 while the slot is being created: the restart drops the half-made slot and loses nothing', async () => {
    s = stdoutScenario(db);
    // A running transaction makes CREATE_REPLICATION_SLOT wait; its row commits later.
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('INSERT INTO t VALUES (1000, 1)');
      const first = start();
      await waitFor(async () => {
        const [r] = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_stat_activity WHERE backend_type = 'walsender' AND query LIKE 'CREATE_REPLICATION_SLOT%'");
        return r.n !== '0';
      }, { timeoutMs: 30_000, message: () => `slot creation never started:\n${first.stderr()}` });
      first.child.kill('SIGKILL');
      await first.exited;

      const second = start();
      await waitFor(() => /snapshot decision/.test(second.stderr()), { timeoutMs: 30_000, message: () => second.stderr() });
      await holder.query('COMMIT');
      await streaming(second);
      await db.query('INSERT INTO t VALUES (1001, 2); UPDATE t SET v = 9 WHERE id = 3; DELETE FROM t WHERE id = 4');
      await expectReplayEqualsTable(db, s, () => procs);
      expect(second.stderr()).toMatch(/creation never finished/);
      const state = s.readState();
      expect(state?.slot?.status).toBe('created');
      expect(state?.snapshot?.status).toBe('complete');
      expect(state?.snapshot?.consistentPoint).not.toBe('0/0');
    } finally {
      await holder.end().catch(() => undefined);
    }
  });

  it('a slot dropped while stopped is an error that names the remedy (exit 2, nothing created); when_needed re-snapshots', async () => {
    s = stdoutScenario(db);
    const first = start();
    await streaming(first);
    await db.query('INSERT INTO t VALUES (100, 1)');
    await expectReplayEqualsTable(db, s, () => [first]);
    expect(await stopCli(first)).toBe(0);
    await db.query('SELECT pg_drop_replication_slot($1)', [s.slot]);
    await db.query('INSERT INTO t VALUES (101, 1); DELETE FROM t WHERE id = 5');

    const failed = await runCli(['run', '--config', writeConfigFile(s.config())]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/SLOT_LOST/);
    expect(failed.stderr).toMatch(/no longer exists.*when_needed/s);
    expect(failed.stderr.match(/no longer exists/g)?.length).toBe(1);
    expect((await slotAndPublicationExist(db, s.slot, s.publication)).slot).toBe(false);

    const again = start({ snapshot: { mode: 'when_needed' } });
    await streaming(again);
    expect(again.stderr()).toMatch(/Re-snapshotting on a new slot/);
    await db.query('INSERT INTO t VALUES (102, 1)');
    // Rows deleted in the gap stay in the topic (documented), so compare the rows that exist.
    const expected = await tableState(db, 't');
    await waitFor(() => {
      const state = replayDiff(expected, [...stdoutMessages(first.stdout(), topicOf(s)), ...stdoutMessages(again.stdout(), topicOf(s))]);
      return state.every((line) => line.startsWith('{"id":5}'));
    }, { timeoutMs: 60_000, intervalMs: 200, message: () => again.stderr() });
  });

  it('a slot recreated by someone else while stopped is recognised and refused', async () => {
    s = stdoutScenario(db);
    const first = start();
    await streaming(first);
    expect(await stopCli(first)).toBe(0);
    await db.query('SELECT pg_drop_replication_slot($1)', [s.slot]);
    await db.query('INSERT INTO t VALUES (200, 1)');
    await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [s.slot]);
    const failed = await runCli(['run', '--config', writeConfigFile(s.config())]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/beyond anything walcast confirmed/);
  });

  it('a role that does not own every configured table: PG_PRIVILEGE naming the publication, once, and nothing left behind', async () => {
    s = stdoutScenario(db);
    const role = `r_${s.name}`;
    const other = `t_${s.name}`;
    await db.query(`CREATE ROLE "${role}" LOGIN REPLICATION PASSWORD 'pw'`);
    await db.query(`CREATE TABLE public."${other}" (id int PRIMARY KEY)`);
    try {
      await db.query(`ALTER TABLE t OWNER TO "${role}"`);
      await db.query(`GRANT SELECT ON public."${other}" TO "${role}"`);
      await db.query(`GRANT CREATE ON DATABASE "${db.name}" TO "${role}"`);
      const url = new URL(db.url);
      url.username = role;
      url.password = 'pw';
      const failed = await runCli(['run', '--config', writeConfigFile(s.config({
        source: { ...(s.config().source as object), url: url.toString(), tables: ['public.t', `public.${other}`] },
      }))]);
      expect(failed.code).toBe(2);
      expect(failed.stderr).toContain('PG_PRIVILEGE');
      expect(failed.stderr).toContain(`cannot create publication \\"${s.publication}\\": must be owner of table ${other}`); // JSON-escaped quotes
      expect(failed.stderr).not.toMatch(/ABORTED|connector failed: [A-Z_]+: connector failed/);
      expect(await slotAndPublicationExist(db, s.slot, s.publication)).toEqual({ slot: false, publication: false });
      expect(s.readState()).toBeNull();
    } finally {
      await db.query('ALTER TABLE t OWNER TO CURRENT_USER').catch(() => undefined);
      await db.query(`DROP TABLE public."${other}"`);
      await db.query(`REVOKE ALL ON DATABASE "${db.name}" FROM "${role}"`);
      await db.query(`DROP OWNED BY "${role}"`);
      await db.query(`DROP ROLE "${role}"`);
    }
  });

  it('a role without REPLICATION fails at once and leaves no publication, slot or state behind', async () => {
    s = stdoutScenario(db);
    const role = `r_${s.name}`;
    await db.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'pw'`);
    try {
      await db.query(`ALTER TABLE t OWNER TO "${role}"`);
      await db.query(`GRANT CREATE ON DATABASE "${db.name}" TO "${role}"`);
      const url = new URL(db.url);
      url.username = role;
      url.password = 'pw';
      const failed = await runCli(['run', '--config', writeConfigFile(s.config({ source: { ...(s.config().source as object), url: url.toString() } }))]);
      expect(failed.code).toBe(2);
      expect(failed.stderr).toMatch(/replication/i);
      expect(await slotAndPublicationExist(db, s.slot, s.publication)).toEqual({ slot: false, publication: false });
      expect(s.readState()).toBeNull();
    } finally {
      await db.query('ALTER TABLE t OWNER TO CURRENT_USER').catch(() => undefined);
      await db.query(`REVOKE ALL ON DATABASE "${db.name}" FROM "${role}"`);
      await db.query(`DROP OWNED BY "${role}"`);
      await db.query(`DROP ROLE "${role}"`);
    }
  });
});

/**
 * `walcast tail` never moves a slot it does not own (issue "The first hour", item 1): it reads
 * through a temporary slot of its own, also while `run` holds the connector's slot, and what it
 * printed still reaches the real sink afterwards.
 */
import { createTestDatabase, TestDatabase } from '../../infra/env';
import { waitFor } from '../../infra/wait';
import { CliProcess, runCli, startCli, writeConfigFile } from '../support/cli-process';
import { replayDiff, tableState } from '../support/connector';
import { slotRow, stdoutMessages, stdoutScenario, StdoutScenario } from '../support/stdout-run';

describe('walcast tail', () => {
  let db: TestDatabase;
  let s: StdoutScenario;
  const procs: CliProcess[] = [];
  beforeEach(async () => {
    db = await createTestDatabase('tail');
    await db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    await db.query('INSERT INTO t SELECT g, 0 FROM generate_series(1, 10) g');
    s = stdoutScenario(db);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) { if (p.child.exitCode === null) p.child.kill('SIGKILL'); await p.exited; }
    await waitFor(async () => !((await slotRow(db, s.slot))?.active ?? false), { timeoutMs: 15_000 });
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [s.slot]);
  });
  const launch = (cmd: 'run' | 'tail'): CliProcess => {
    const p = startCli([cmd, '--config', writeConfigFile(s.config())]);
    procs.push(p);
    return p;
  };
  const topic = (): string => `${s.name}.public.t`;
  const tempSlots = async (): Promise<string[]> =>
    (await db.query<{ slot_name: string }>("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE $1 || '_tail_%'", [s.slot])).map((r) => r.slot_name);

  it('prints changes while run holds the slot, and leaves the connector slot where it was', async () => {
    const run = launch('run');
    await waitFor(() => /"to":"streaming"/.test(run.stderr()), { timeoutMs: 60_000, message: () => run.stderr() });
    const tail = launch('tail');
    await waitFor(() => /"to":"streaming"/.test(tail.stderr()), { timeoutMs: 30_000, message: () => tail.stderr() });
    expect(await tempSlots()).toHaveLength(1);
    await db.query('INSERT INTO t VALUES (100, 1)');
    await waitFor(() => stdoutMessages(tail.stdout(), topic()).length === 1, { timeoutMs: 30_000, message: () => tail.stderr() });
    await waitFor(() => stdoutMessages(run.stdout(), topic()).some((m) => m.key?.toString() === '{"id":100}'), { timeoutMs: 30_000 });
    tail.child.kill('SIGTERM');
    expect(await tail.exited).toBe(0);
    // No retries, no snapshot, and its temporary slot is gone with it.
    expect(tail.stderr()).not.toMatch(/retrying/);
    expect(stdoutMessages(tail.stdout(), topic()).every((m) => JSON.parse(m.value!.toString()).op !== 'r')).toBe(true);
    await waitFor(async () => (await tempSlots()).length === 0, { timeoutMs: 10_000 });

    // With the connector stopped, tail's changes stay for the connector.
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const before = (await slotRow(db, s.slot))?.confirmed;
    const tail2 = launch('tail');
    await waitFor(() => /"to":"streaming"/.test(tail2.stderr()), { timeoutMs: 30_000, message: () => tail2.stderr() });
    await db.query('INSERT INTO t VALUES (101, 1); UPDATE t SET v = 5 WHERE id = 2; DELETE FROM t WHERE id = 3; INSERT INTO t VALUES (102, 2)');
    await waitFor(() => stdoutMessages(tail2.stdout(), topic()).filter((m) => m.value !== null).length === 4, { timeoutMs: 30_000, message: () => tail2.stdout() });
    tail2.child.kill('SIGTERM');
    expect(await tail2.exited).toBe(0);
    expect((await slotRow(db, s.slot))?.confirmed).toBe(before);

    const rerun = launch('run');
    const expected = await tableState(db, 't');
    await waitFor(() => replayDiff(expected, [...stdoutMessages(run.stdout(), topic()), ...stdoutMessages(rerun.stdout(), topic())]).length === 0,
      { timeoutMs: 60_000, intervalMs: 200, message: () => rerun.stderr() });
  });

  it('refuses to create the publication and says what to do', async () => {
    const r = await runCli(['tail', '--config', writeConfigFile(s.config())]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist; tail changes nothing on the server/);
    expect(await slotRow(db, s.slot)).toBeNull();
    expect(await tempSlots()).toEqual([]);
    expect(s.readState()).toBeNull();
  });
});

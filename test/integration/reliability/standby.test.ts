/**
 * One owner per slot (issue "Never lose a row", item 2): a second instance with the same config
 * and a state dir of its own waits as a hot standby (live, not ready, phase standby, one log line)
 * and touches nothing; when the owner is killed it takes over within 10 s and nothing is lost.
 */
import { createTestDatabase, TestDatabase } from '../../infra/env';
import { waitFor } from '../../infra/wait';
import { CliProcess, startCli, writeConfigFile } from '../support/cli-process';
import { replayDiff, tableState, TopicMessage } from '../support/connector';
import { freePort } from '../../infra/nats';
import { tempDir } from '../../infra/temp-dirs';
import { slotRow, stdoutMessages, stdoutScenario, StdoutScenario } from '../support/stdout-run';
import { readdirSync } from 'node:fs';

async function httpStatus(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('one owner per slot', () => {
  let db: TestDatabase;
  let s: StdoutScenario;
  const procs: CliProcess[] = [];
  let otherState: string;
  beforeEach(async () => {
    db = await createTestDatabase('owner');
    await db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    await db.query('INSERT INTO t SELECT g, 0 FROM generate_series(1, 200) g');
    s = stdoutScenario(db);
    otherState = tempDir('walcast-state-');
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) { if (p.child.exitCode === null) p.child.kill('SIGKILL'); await p.exited; }
    await waitFor(async () => !((await slotRow(db, s.slot))?.active ?? false), { timeoutMs: 15_000 });
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [s.slot]);
  });

  it('a second instance waits as a hot standby, touches nothing, and takes over within 10 s of a kill -9', async () => {
    const owner = startCli(['run', '--config', writeConfigFile(s.config())]);
    procs.push(owner);
    await waitFor(() => /"to":"streaming"/.test(owner.stderr()), { timeoutMs: 60_000, message: () => owner.stderr() });

    const port = await freePort();
    const standby = startCli(['run', '--config', writeConfigFile(s.config({ offsets: { stateDir: otherState }, http: { port } }))]);
    procs.push(standby);
    await waitFor(() => /"to":"standby"/.test(standby.stderr()), { timeoutMs: 30_000, message: () => standby.stderr() });

    // Writes while both run: only the owner publishes them.
    let stop = false;
    let n = 0;
    const workload = (async () => {
      while (!stop) {
        n += 1;
        await db.query(`BEGIN; INSERT INTO t VALUES (${1000 + n}, 0); UPDATE t SET v = v + 1 WHERE id = ${1 + (n % 200)}; COMMIT;`);
        if (n % 5 === 0) await db.query('DELETE FROM t WHERE id = $1', [1000 + n - 1]);
      }
    })();
    // A failing workload surfaces where it is awaited, not as an unhandled rejection meanwhile.
    workload.catch(() => undefined);
    await waitFor(() => n > 50, { timeoutMs: 30_000 });
    expect(await httpStatus(port, '/health/live')).toMatchObject({ status: 200 });
    expect(await httpStatus(port, '/health/ready')).toMatchObject({ status: 503, body: { phase: 'standby' } });
    expect(standby.stdout()).toBe('');
    expect(readdirSync(otherState)).toEqual([]);
    // One line per change of state, not one per poll.
    expect(standby.stderr().match(/waiting as hot standby/g)?.length).toBe(1);

    owner.child.kill('SIGKILL');
    const killedAt = Date.now();
    await owner.exited;
    await waitFor(() => /"to":"streaming"/.test(standby.stderr()), { timeoutMs: 30_000, intervalMs: 50, message: () => standby.stderr() });
    const takeoverMs = Date.now() - killedAt;
    console.log(`[standby] takeover after kill -9 of the owner: ${takeoverMs} ms`);
    expect(takeoverMs).toBeLessThan(10_000);
    expect(standby.stderr()).toMatch(/took over the ownership/);
    expect(await httpStatus(port, '/health/ready')).toMatchObject({ status: 200, body: { phase: 'streaming' } });

    await waitFor(() => n > 150, { timeoutMs: 60_000 });
    stop = true;
    await workload;
    const expected = await tableState(db, 't');
    let msgs: TopicMessage[] = [];
    await waitFor(() => {
      msgs = [...stdoutMessages(owner.stdout(), `${s.name}.public.t`), ...stdoutMessages(standby.stdout(), `${s.name}.public.t`)];
      return replayDiff(expected, msgs).length === 0;
    }, { timeoutMs: 60_000, intervalMs: 200, message: () => `lost or stale: ${replayDiff(expected, msgs).slice(0, 8).join('; ')}` });
  });
});

/**
 * Exactly-once, a snapshot interrupted while its table is written: the restart reads the rest
 * from a fresh snapshot, and the slot replays every change since its consistent point, older
 * than that read included. A read_committed consumer must still see every row version once:
 * a row the fresh read showed gets none of the replayed changes that read saw; a row the killed
 * run read (at the consistent point) gets all of them. The workload updates, inserts, deletes
 * and changes keys across the whole key space, so changes land in committed chunks and in the
 * rest alike, and key changes cross from one to the other. The resumed run is interrupted too,
 * so up to three runs (the slot's snapshot and two fresh ones) read the table.
 */
import { createTestDatabase, kafkaFromInfra, TestDatabase } from '../../infra/env';
import { readCommittedJava, type CommittedMessage } from '../../infra/kafka-committed';
import { waitFor } from '../../infra/wait';
import { type CliProcess, writeConfigFile } from '../support/cli-process';
import { eosTable, EosRuns, pacedWorkload } from '../support/eos-runs';
import { currentWalLsn, replayDiff, tableState, waitConfirmedPast } from '../support/connector';
import { slotRow, type StdoutScenario } from '../support/stdout-run';

const ROWS = 20_000;
/** Key changes move a row to id + MOVED (beyond the seeded ids: the snapshot's last, open range). */
const MOVED = 5_000_000;

/**
 * Per key, in the topic's order: the first record is 'r' or 'c', then only 'u' with v one higher
 * each time, then at most a 'd', and nothing after it. Any repeated or skipped version breaks it.
 */
function versionProblems(msgs: readonly CommittedMessage[]): string[] {
  const perKey = new Map<string, CommittedMessage[]>();
  for (const m of msgs) {
    if (m.key === null || m.value === null) continue; // tombstones
    const k = m.key.toString();
    if (!perKey.has(k)) perKey.set(k, []);
    perKey.get(k)!.push(m);
  }
  const problems: string[] = [];
  for (const [k, list] of perKey) {
    list.sort((a, b) => (a.partition - b.partition) || (a.offset < b.offset ? -1 : 1));
    const seq = list.map((m) => JSON.parse(m.value!.toString()) as { op: string; after: { v: number } | null });
    const shown = seq.map((e) => `${e.op}${e.after ? e.after.v : ''}`).join(',');
    const bad = seq.some((e, i) => {
      if (i === 0) return e.op !== 'r' && e.op !== 'c';
      const prev = seq[i - 1]!;
      if (prev.op === 'd') return true;
      if (e.op === 'd') return false;
      return e.op !== 'u' || e.after!.v !== prev.after!.v + 1;
    });
    if (bad) problems.push(`${k}: ${shown}`);
  }
  return problems;
}

/** Updates, inserts, deletes, key changes and rollbacks over the whole key space, paced. */
function workload(db: TestDatabase): { stop(): Promise<number> } {
  const pick = (): number => 1 + Math.floor(Math.random() * ROWS);
  return pacedWorkload(db, 3, async (writer, n) => {
    const a = pick();
    const b = pick();
    switch (n % 10) {
      case 0:
        await writer.query('DELETE FROM t WHERE id = $1', [a]);
        break;
      case 1:
        await writer.query('UPDATE t SET id = id + $2, v = v + 1 WHERE id = $1', [a, MOVED]);
        break;
      case 2:
        await writer.query(`BEGIN; UPDATE t SET v = v + 100 WHERE id = ${a}; INSERT INTO t VALUES (${-n}, 0); ROLLBACK;`);
        break;
      case 3:
        // Below every seeded key (the first, open range) and above them (the last).
        await writer.query('INSERT INTO t VALUES ($1, 0), ($2, 0)', [-n, 2 * MOVED + n]);
        break;
      default:
        await writer.query(`BEGIN; UPDATE t SET v = v + 1 WHERE id = ${a}; UPDATE t SET v = v + 1 WHERE id = ${b}; COMMIT;`);
    }
  });
}

describe('exactly-once: a snapshot interrupted under writes', () => {
  let db: TestDatabase;
  let s: StdoutScenario;
  const runs = new EosRuns();
  beforeAll(async () => { db = await createTestDatabase('eosresume'); });
  afterEach(() => runs.cleanup(db, s.slot));
  const start = (file: string): CliProcess => runs.start(file);

  it.each(['pgoutput', 'wal2json'] as const)('resumes from a fresh snapshot and still shows every row version once (%s)', async (plugin) => {
    const table = await eosTable(db, ROWS, { snapshot: { parallelism: 2 }, plugin });
    s = table.s;
    const { file, topic } = table;

    const load = workload(db);
    let transactions = 0;
    let partial = 0;
    let resumedAgain = 0;
    let secondLog = '';
    let last: CliProcess;
    try {
      // Kill once part of the snapshot is committed (read_committed shows some rows, not all).
      partial = await runs.killMidSnapshot(file, topic, ROWS, (tries) => 300 + tries * 150);
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(ROWS);
      // Writes go on while the connector is down. Then a second interruption, of the resumed
      // run: the rows are read by three runs (the slot's snapshot and two fresh ones).
      await new Promise((r) => setTimeout(r, 1000));
      const second = start(file);
      await waitFor(() => /resuming the interrupted snapshot/.test(second.stderr()) || second.child.exitCode !== null, { timeoutMs: 30_000, intervalMs: 5 });
      await new Promise((r) => setTimeout(r, 400));
      second.child.kill('SIGKILL');
      await second.exited;
      resumedAgain = (await readCommittedJava(kafkaFromInfra().bootstrap, [topic])).length;
      secondLog = second.stderr();
      await new Promise((r) => setTimeout(r, 1000));
      last = start(file);
      await waitFor(() => /"to":"streaming"/.test(last.stderr()), { timeoutMs: 120_000, message: () => last.stderr().slice(-3000) });
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      transactions = await load.stop();
    }
    expect(secondLog).toMatch(/resuming the interrupted snapshot/);
    expect(last!.stderr()).toMatch(/replayed changes a fresh snapshot already showed are not sent again/);
    // Three runs read the table when the second interruption came before the snapshot completed.
    const runCount = Number(/"runs":(\d+)[^\n]*replayed changes a fresh snapshot/.exec(last!.stderr())?.[1] ?? 0);
    expect(runCount).toBeGreaterThanOrEqual(2);
    await waitConfirmedPast(db, s.slot, await currentWalLsn(db) - 1n, 120_000);

    const msgs = await readCommittedJava(kafkaFromInfra().bootstrap, [topic]);
    const ids = new Map<string, number>();
    for (const m of msgs) ids.set(m.id, (ids.get(m.id) ?? 0) + 1);
    const ops = new Map<string, number>();
    for (const m of msgs) {
      const op = m.value ? (JSON.parse(m.value.toString()) as { op: string }).op : 'tombstone';
      ops.set(op, (ops.get(op) ?? 0) + 1);
    }
    console.log(`[eos resume under writes, ${plugin}] killed with ${partial} of ${ROWS} rows committed, the resumed run with ${resumedAgain} records; ${transactions} workload transactions; `
      + `${msgs.length} committed records ${JSON.stringify(Object.fromEntries(ops))}; ${runCount} snapshot runs`);
    expect([...ids].filter(([, c]) => c > 1).slice(0, 5)).toEqual([]);
    expect(versionProblems(msgs).slice(0, 10)).toEqual([]);
    expect(replayDiff(await tableState(db, 't'), msgs.map((m) => ({ key: m.key, value: m.value, headers: { 'walcast.id': m.id } }))).slice(0, 10)).toEqual([]);
    // The workload reached both sides: rows the killed run had committed and rows read again.
    expect(ops.get('u') ?? 0).toBeGreaterThan(100);
  }, 300_000);

  it('snapshot.deleteMissing on a re-snapshot killed in the middle and resumed deletes exactly the rows deleted while the slot was gone', async () => {
    const N = 20_000;
    const set = await eosTable(db, N);
    s = set.s;
    const first = start(set.file);
    await waitFor(() => /"to":"streaming"/.test(first.stderr()), { timeoutMs: 60_000, message: () => first.stderr().slice(-3000) });
    first.child.kill('SIGKILL');
    await first.exited;
    // The slot is lost while walcast is down, and rows across the key space are deleted meanwhile.
    await waitFor(async () => !((await slotRow(db, s.slot))?.active ?? false), { timeoutMs: 15_000 });
    await db.query('SELECT pg_drop_replication_slot($1)', [s.slot]);
    await db.query('DELETE FROM t WHERE id % 400 = 7');
    const file = writeConfigFile({ ...set.config, snapshot: { ...(set.config.snapshot as object), mode: 'when_needed', deleteMissing: true } });
    // The re-snapshot is killed once part of it is committed (its 'r' records carry a new id prefix).
    const prefixes = async (): Promise<Set<string>> => new Set((await readCommittedJava(kafkaFromInfra().bootstrap, [set.topic]))
      .filter((m) => m.id.includes(':r:')).map((m) => m.id.split(':r:')[0]!));
    let interrupted = false;
    for (let tries = 0; tries < 10 && !interrupted; tries++) {
      const p = start(file);
      await waitFor(() => /"to":"snapshotting"/.test(p.stderr()) || p.child.exitCode !== null, { timeoutMs: 30_000, intervalMs: 5 });
      await new Promise((r) => setTimeout(r, 300 + tries * 150));
      p.child.kill('SIGKILL');
      await p.exited;
      if (/snapshot complete/.test(p.stderr())) break;
      interrupted = (await prefixes()).size >= 2;
    }
    expect(interrupted).toBe(true);
    const last = start(file);
    await waitFor(() => /"to":"streaming"/.test(last.stderr()), { timeoutMs: 120_000, message: () => last.stderr().slice(-3000) });
    expect(last.stderr()).toMatch(/resuming the interrupted snapshot/);
    expect(last.stderr()).toMatch(/snapshot.deleteMissing: deleted/);

    const msgs = await readCommittedJava(kafkaFromInfra().bootstrap, [set.topic]);
    const deleted = msgs.filter((m) => m.value !== null && (JSON.parse(m.value.toString()) as { op: string }).op === 'd')
      .map((m) => (JSON.parse(m.key!.toString()) as { id: number }).id).sort((a, b) => a - b);
    expect(deleted).toEqual(Array.from({ length: N / 400 }, (_, i) => 7 + i * 400));
    expect(replayDiff(await tableState(db, 't'), msgs.map((m) => ({ key: m.key, value: m.value, headers: { 'walcast.id': m.id } }))).slice(0, 10)).toEqual([]);
  }, 300_000);

  it('a truncate while the connector is down: it goes out, and every row inserted after it reaches the topic', async () => {
    const N = 6000;
    // One partition: a truncate (key null) is ordered with every row's records.
    const set = await eosTable(db, N, { partitions: 1 });
    s = set.s;
    const { file, topic } = set;
    const partial = await runs.killMidSnapshot(file, topic, N, (tries) => 150 + tries * 100);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(N);
    // Down: the table is emptied and refilled (keys on both sides of what was committed).
    await db.query('TRUNCATE t');
    await db.query(`INSERT INTO t SELECT g, 1 FROM generate_series(1, ${N}, 3) g`);
    const last = start(file);
    await waitFor(() => /"to":"streaming"/.test(last.stderr()), { timeoutMs: 120_000, message: () => last.stderr().slice(-3000) });
    await db.query(`INSERT INTO t SELECT g, 2 FROM generate_series(${N + 1}, ${N + 100}) g`);
    await waitConfirmedPast(db, s.slot, await currentWalLsn(db) - 1n, 60_000);
    expect(last.stderr()).toMatch(/a truncate of a table several snapshot runs read goes out/);

    const msgs = await readCommittedJava(kafkaFromInfra().bootstrap, [topic]);
    // A consumer that empties the table on a truncate ends with exactly the table.
    const state = new Map<string, unknown>();
    for (const m of msgs) {
      const env = m.value ? JSON.parse(m.value.toString()) as { op: string; after: unknown } : null;
      if (env?.op === 't') state.clear();
      else if (!env || env.op === 'd') state.delete(m.key!.toString());
      else state.set(m.key!.toString(), env.after);
    }
    const table = await tableState(db, 't');
    expect([...table].filter(([k, v]) => JSON.stringify(state.get(k)) !== JSON.stringify(v)).slice(0, 5)).toEqual([]);
    expect(state.size).toBe(table.size);
  }, 300_000);
});

/**
 * A kill -9 storm from the first second (issue "Never lose a row", proof): 30 restarts at
 * random points covering slot creation (long transactions make CREATE_REPLICATION_SLOT wait),
 * the snapshot, the handoff and streaming, during a concurrent workload with deletes. Then one
 * clean run: the replay of everything published equals the table (0 lost, 0 stale), and a
 * record seen twice is identical both times (same id, same content).
 */
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../infra/env';
import { waitFor } from '../../infra/wait';
import { brokerCases } from '../support/brokers';
import { CliProcess, startCli, writeConfigFile } from '../support/cli-process';
import { replayDiff, tableState, TopicMessage } from '../support/connector';
import { slotRow, stdoutScenario, StdoutScenario } from '../support/stdout-run';
import { loadConfig } from '../../../config/load';

const KILLS = Number(process.env.WALCAST_STORM_KILLS ?? 30);

/** Where a killed process was, from its log. */
function killedIn(log: string): string {
  if (/creating replication slot/.test(log) && !/created replication slot/.test(log)) return 'slot creation';
  if (/"to":"streaming"/.test(log)) return 'streaming';
  if (/snapshot complete/.test(log)) return 'handoff';
  if (/"to":"snapshotting"/.test(log)) return 'snapshot';
  return 'start-up';
}

describe.each(brokerCases)('kill -9 storm on $name', (broker) => {
  let db: TestDatabase;
  let s: StdoutScenario;
  let proc: CliProcess | null = null;
  afterEach(async () => {
    if (proc && proc.child.exitCode === null) { proc.child.kill('SIGKILL'); await proc.exited; }
    await waitFor(async () => !((await slotRow(db, s.slot))?.active ?? false), { timeoutMs: 15_000 });
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [s.slot]);
  });

  it(`${KILLS} kills at random points from the first second lose nothing`, async () => {
    db = await createTestDatabase('storm');
    await db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    await db.query('INSERT INTO t SELECT g, 0 FROM generate_series(1, 20000) g');
    s = stdoutScenario(db);
    const configObject = s.config({ sink: broker.sinkConfig(), log: { level: 'info' }, snapshot: { mode: 'initial', chunkRows: 500 } });
    const file = writeConfigFile(configObject);

    let stop = false;
    let n = 0;
    const writer = new Client({ connectionString: db.url });
    await writer.connect();
    const workload = (async () => {
      while (!stop) {
        n += 1;
        const id = 100_000 + n;
        // Every tenth transaction stays open a little: slot creation waits for it.
        const hold = n % 10 === 0 ? 'SELECT pg_sleep(0.2);' : '';
        await writer.query(`BEGIN; INSERT INTO t VALUES (${id}, 0); UPDATE t SET v = v + 1 WHERE id = ${1 + (n % 3000)}; ${hold} COMMIT;`);
        if (n % 4 === 0) await writer.query('DELETE FROM t WHERE id = $1', [id - 2]);
      }
    })();
    // A failing workload surfaces where it is awaited, not as an unhandled rejection meanwhile.
    workload.catch(() => undefined);

    try {
      // The chaos schedule: the first sixth of the kills hit slot creation (a transaction held
      // open makes CREATE_REPLICATION_SLOT wait; each restart after such a kill creates the slot
      // anew), the next third the snapshot, the rest a random moment of the first 2.5 s
      // (start-up, handoff, streaming).
      const hit = new Map<string, number>();
      for (let k = 0; k < KILLS; k++) {
        const aim = k < KILLS / 6 ? 'creation' : k < KILLS / 2 ? 'snapshot' : 'random';
        const holder = aim === 'creation' ? new Client({ connectionString: db.url }) : null;
        if (holder) {
          await holder.connect();
          await holder.query('BEGIN');
          await holder.query('INSERT INTO t VALUES ($1, 7)', [-1 - k]);
        }
        const p = startCli(['run', '--config', file]);
        proc = p;
        const marker = aim === 'creation' ? /creating replication slot/ : aim === 'snapshot' ? /"to":"snapshotting"/ : null;
        if (marker) await waitFor(() => marker.test(p.stderr()) || p.child.exitCode !== null, { timeoutMs: 10_000, intervalMs: 5 }).catch(() => undefined);
        // A kill aimed at the snapshot lands within its first 150 ms: a 20k-row snapshot takes longer.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * (aim === 'random' ? 2500 : aim === 'snapshot' ? 150 : 300))));
        p.child.kill('SIGKILL');
        await p.exited;
        if (holder) { await holder.query('COMMIT'); await holder.end(); }
        const phase = killedIn(p.stderr());
        hit.set(phase, (hit.get(phase) ?? 0) + 1);
      }
      console.log(`[storm ${broker.name}] kills by phase: ${JSON.stringify(Object.fromEntries(hit))}`);
      expect(hit.get('slot creation')).toBeGreaterThan(0);
      expect(hit.get('snapshot')).toBeGreaterThan(0);
      proc = startCli(['run', '--config', file]);
      await waitFor(() => /"to":"streaming"/.test(proc!.stderr()), { timeoutMs: 120_000, intervalMs: 100, message: () => proc!.stderr().slice(-3000) });
      await waitFor(() => n > 200, { timeoutMs: 60_000 });
    } finally {
      stop = true;
      await workload;
      await writer.end();
    }

    const config = loadConfig({ env: {}, overrides: configObject });
    const expected = await tableState(db, 't');
    let msgs: TopicMessage[] = [];
    await waitFor(async () => {
      msgs = await broker.read(config, 'public', 't');
      return replayDiff(expected, msgs).length === 0;
    }, { timeoutMs: 120_000, intervalMs: 1000, message: () => `lost or stale after the storm (${msgs.length} messages): ${replayDiff(expected, msgs).slice(0, 8).join('; ')}` });

    // A redelivered change carries the same id and the same change (the envelope's ts_ms is the
    // time of processing and may differ).
    const byId = new Map<string, string>();
    let duplicates = 0;
    const change = (m: TopicMessage): string => {
      const v = m.value ? (JSON.parse(m.value.toString()) as { op: string; before: unknown; after: unknown }) : null;
      return JSON.stringify([m.key?.toString() ?? null, v?.op ?? null, v?.before ?? null, v?.after ?? null]);
    };
    for (const m of msgs) {
      const id = m.headers['walcast.id'];
      const seen = byId.get(id);
      if (seen !== undefined) {
        duplicates += 1;
        expect(change(m)).toBe(seen);
      }
      byId.set(id, change(m));
    }
    console.log(`[storm ${broker.name}] ${KILLS} kills, ${n} workload transactions, ${msgs.length} messages, ${duplicates} redelivered, 0 lost, 0 stale`);
  }, 900_000);
});

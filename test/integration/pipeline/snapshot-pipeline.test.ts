/**
 * Initial snapshot through the whole pipeline: consistent with the slot under a concurrent
 * workload, correct after kill -9, and each snapshot.mode's start-up decision.
 */
import { kafkaFromInfra } from '../../infra/env';
import { readTopic, TopicMessage } from '../../infra/kafka';
import { waitFor } from '../../infra/wait';
import {
  dropSlotAndPublication, envelopeOf, lsnBeforeCommit, replay, replayDiff, run, scenario, Scenario, tableState, topicSize, waitConfirmedPast,
} from '../support/connector';
import { startCli, writeConfigFile } from '../support/cli-process';

const kafka = () => kafkaFromInfra();

/**
 * Waits until the slot confirmed a marker commit made now (so every earlier change is in the
 * topic), then reads the topic once and compares its replay with the table.
 */
async function expectTopicEqualsTable(s: Scenario, table: string): Promise<TopicMessage[]> {
  const marker = await lsnBeforeCommit(s.db, `UPDATE ${table} SET v = v WHERE id = (SELECT min(id) FROM ${table})`);
  await waitConfirmedPast(s.db, s.config.source.slot, marker, 150_000);
  const expected = await tableState(s.db, table);
  const msgs = await readTopic(kafka().bootstrap, `${s.config.topicPrefix}.public.${table}`, { timeoutMs: 60_000 });
  expect(replayDiff(expected, msgs)).toEqual([]);
  return msgs;
}

const ops = (msgs: readonly TopicMessage[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const m of msgs) { const op = envelopeOf(m)?.op ?? 'tombstone'; out[op] = (out[op] ?? 0) + 1; }
  return out;
};

describe('snapshot through the pipeline', () => {
  it('200k rows with a concurrent workload during the snapshot: the topic replays to the final table', async () => {
    const s = await scenario({ type: 'kafka', kafka: { brokers: [kafka().bootstrap], partitions: 4 } },
      { snapshot: { mode: 'initial', parallelism: 2, chunkRows: 10000 } });
    await s.db.query(`CREATE TABLE big (id int PRIMARY KEY, v int NOT NULL);
      INSERT INTO big SELECT g, 0 FROM generate_series(1, 200000) g;
      CREATE TABLE nokey (a int, b text); INSERT INTO nokey VALUES (1, 'x'), (1, 'x'), (2, 'y');
      CREATE TABLE "Order Items" (id int PRIMARY KEY, "Item Name" text); INSERT INTO "Order Items" VALUES (1, 'a b');
      ANALYZE;`);
    const r = run(s.config);
    try {
      await waitFor(() => r.phases.includes('snapshotting'), { timeoutMs: 60_000 });
      // Workload while the snapshot is being read and published.
      let n = 0;
      while (!r.phases.includes('streaming') || n < 200) {
        n++;
        await s.db.query(`BEGIN; INSERT INTO big VALUES (${200000 + n}, ${n}); UPDATE big SET v = v + 1 WHERE id = ${1 + ((n * 7919) % 200000)};
          DELETE FROM big WHERE id = ${1 + ((n * 104729) % 200000)}; COMMIT;`);
        if (r.phases.includes('failed')) throw new Error(JSON.stringify(r.logs.slice(-5)));
      }
      const msgs = await expectTopicEqualsTable(s, 'big');
      expect(ops(msgs).r).toBeGreaterThan(199_000);
      const snap = msgs.map(envelopeOf).filter((e) => e?.op === 'r');
      const markers = snap.map((e) => e!.source.snapshot);
      expect(markers.filter((m) => m === 'first' || m === 'last').length).toBeLessThanOrEqual(2);

      const nokey = await readTopic(kafka().bootstrap, `${s.config.topicPrefix}.public.nokey`, { count: 3, timeoutMs: 30_000 });
      expect(nokey.map((m) => envelopeOf(m)!.after).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))
        .toEqual([{ a: 1, b: 'x' }, { a: 1, b: 'x' }, { a: 2, b: 'y' }]);
      expect(nokey.every((m) => m.key === null)).toBe(true);
      const items = await readTopic(kafka().bootstrap, `${s.config.topicPrefix}.public.Order_Items`, { count: 1, timeoutMs: 30_000 });
      expect(envelopeOf(items[0])).toMatchObject({ op: 'r', after: { id: 1, 'Item Name': 'a b' }, source: { table: 'Order Items' } });
    } finally {
      await r.handle.stop('test');
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    }
  });

  it.each([
    ['in the middle of the snapshot', 30_000],
    ['right after its last row', 100_000],
  ])('kill -9 %s, then a restart, ends with a correct topic', async (_when, killAtRows) => {
    const s = await scenario({ type: 'kafka', kafka: { brokers: [kafka().bootstrap], partitions: 2 } },
      { snapshot: { mode: 'initial', parallelism: 2, chunkRows: 5000 } });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL); INSERT INTO t SELECT g, g FROM generate_series(1, 100000) g; ANALYZE t;');
    const file = writeConfigFile({ ...s.config, log: { level: 'info' } });
    const topic = `${s.config.topicPrefix}.public.t`;
    let proc = startCli(['run', '--config', file]);
    try {
      await waitFor(async () => (await topicSize(kafka().bootstrap, topic)) >= killAtRows,
        { timeoutMs: 120_000, intervalMs: 20, message: () => `snapshot did not reach ${killAtRows} rows:\n${proc.stderr().slice(-2000)}` });
      proc.child.kill('SIGKILL');
      await proc.exited;
      await s.db.query('UPDATE t SET v = -v WHERE id % 1000 = 0; DELETE FROM t WHERE id % 999 = 0; INSERT INTO t VALUES (200001, 1)');
      const firstRun = proc.stderr();
      proc = startCli(['run', '--config', file]);
      try {
        // A redone snapshot runs on a fresh slot whose consistent point lies past the changes
        // above, so the marker commit is only meaningful once streaming has started.
        await waitFor(() => proc.stderr().includes('"to":"streaming"'), { timeoutMs: 120_000, message: 'restart to reach streaming' });
        await expectTopicEqualsTable(s, 't');
      } catch (e) {
        throw new Error(`${(e as Error).message.slice(0, 2000)}\n--- first run:\n${firstRun.slice(-3000)}\n--- restart:\n${proc.stderr().slice(-5000)}`);
      }
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    }
  });

  describe('start-up decisions per snapshot.mode', () => {
    let s: Scenario;
    const topic = () => `${s.config.topicPrefix}.public.t`;
    const withMode = (mode: string) => ({ ...s.config, snapshot: { ...s.config.snapshot, mode } }) as Scenario['config'];
    const startStreaming = async (mode: string) => {
      const r = run(withMode(mode));
      // Slot creation waits for transactions running anywhere in the cluster (other test files).
      await waitFor(() => r.phases.includes('streaming') || r.phases.includes('failed'), {
        timeoutMs: 150_000, message: () => `${mode} did not stream: phases ${r.phases.join(',')} ${JSON.stringify(r.logs.slice(-6))}`,
      });
      expect(r.phases).not.toContain('failed');
      return r;
    };
    /** A stop that takes over a minute is a bug: fail with what the connector last said. */
    const stopIn = async (r: ReturnType<typeof run>): Promise<void> => {
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`stop did not finish: phases ${r.phases.join(',')} ${JSON.stringify(r.logs.slice(-6))}`)), 60_000);
      });
      try { await Promise.race([r.handle.stop('test'), stuck]); } finally { clearTimeout(timer); }
    };
    const readAll = () => readTopic(kafka().bootstrap, topic(), { timeoutMs: 30_000 });

    beforeAll(async () => {
      s = await scenario({ type: 'kafka', kafka: { brokers: [kafka().bootstrap] } });
      await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL); INSERT INTO t SELECT g, 0 FROM generate_series(1, 10) g;');
    });
    afterAll(async () => { await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication); });

    it('initial_only snapshots and exits; a second run finds it complete and exits at once', async () => {
      const first = run(withMode('initial_only'));
      await first.handle.done;
      expect(first.phases).toContain('snapshotting');
      expect(first.phases).not.toContain('streaming');
      expect(ops(await readAll())).toEqual({ r: 10 });
      const second = run(withMode('initial_only'));
      await second.handle.done;
      expect(second.phases).not.toContain('snapshotting');
      expect(ops(await readAll())).toEqual({ r: 10 });
    }, 300_000);

    it('initial after a completed snapshot streams without re-snapshotting', async () => {
      const r = await startStreaming('initial');
      expect(r.phases).not.toContain('snapshotting');
      await s.db.query('INSERT INTO t VALUES (11, 0)');
      await readTopic(kafka().bootstrap, topic(), { count: 11, timeoutMs: 30_000 });
      await stopIn(r);
      expect(ops(await readAll())).toEqual({ r: 10, c: 1 });
    }, 300_000);

    it('never streams only; always re-snapshots at every start', async () => {
      const never = await startStreaming('never');
      expect(never.phases).not.toContain('snapshotting');
      await stopIn(never);
      const always = await startStreaming('always');
      expect(always.phases).toContain('snapshotting');
      await stopIn(always);
      expect(ops(await readAll())).toEqual({ r: 21, c: 1 });
    }, 300_000);

    it('a slot dropped after the snapshot stops initial with SLOT_LOST (nothing created); when_needed re-snapshots', async () => {
      await s.db.query('SELECT pg_drop_replication_slot($1)', [s.config.source.slot]);
      await s.db.query('INSERT INTO t VALUES (12, 0)'); // made while there is no slot: only a snapshot can deliver it
      const initial = run(withMode('initial'));
      await expect(initial.handle.done).rejects.toMatchObject({ code: 'SLOT_LOST', retriable: false });
      expect(initial.phases).not.toContain('snapshotting');
      expect(initial.phases).not.toContain('streaming');
      expect((await s.db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [s.config.source.slot])).length).toBe(0);
      const needed = await startStreaming('when_needed');
      expect(needed.phases).toContain('snapshotting');
      expect(needed.logs.some((l) => l.level === 'warn' && /Re-snapshotting/.test(l.msg))).toBe(true);
      await stopIn(needed);
      const msgs = await readAll();
      expect(msgs.some((m) => m.key?.toString() === '{"id":12}' && envelopeOf(m)?.op === 'r')).toBe(true);
      expect(replay(msgs)).toEqual(await tableState(s.db, 't'));
    }, 300_000);
  });
});

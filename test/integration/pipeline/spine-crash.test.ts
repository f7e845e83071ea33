/**
 * kill -9 of the connector process in the middle of a concurrent workload, then a restart:
 * a replay of the topic equals the table's final contents, and the only duplicates are of
 * commits at or past the slot's confirmed point, with identical ids.
 */
import { kafkaFromInfra } from '../../infra/env';
import { readTopic } from '../../infra/kafka';
import { waitFor } from '../../infra/wait';
import { commitLsnOfId, confirmedFlushLsn, dropSlotAndPublication, replayDiff, scenario, tableState, TopicMessage } from '../support/connector';
import { startCli, writeConfigFile } from '../support/cli-process';

describe('streaming spine: crash recovery', () => {
  it('loses nothing after kill -9 mid-workload', async () => {
    const kafka = kafkaFromInfra();
    const s = await scenario({ type: 'kafka', kafka: { brokers: [kafka.bootstrap], partitions: 2 } });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    const topic = `${s.config.topicPrefix}.public.t`;
    const file = writeConfigFile({ ...s.config, log: { level: 'info' } });
    const slotActive = async (): Promise<boolean> => {
      const [row] = await s.db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [s.config.source.slot]);
      return row?.active === true;
    };
    let proc = startCli(['run', '--config', file]);
    try {
      await waitFor(slotActive, { timeoutMs: 30_000, message: () => `connector did not start:\n${proc.stderr()}` });

      let stop = false;
      const worker = async (offset: number): Promise<number> => {
        let n = 0;
        while (!stop) {
          const id = offset + n;
          await s.db.query(`BEGIN; INSERT INTO t VALUES (${id}, 0); UPDATE t SET v = v + 1 WHERE id = ${offset + Math.floor(n / 2)}; COMMIT;`);
          if (n % 7 === 3) await s.db.query('DELETE FROM t WHERE id = $1', [id - 1]);
          n++;
        }
        return n;
      };
      const workers = [worker(0), worker(1_000_000)];
      // Kill once a good part of the workload was delivered.
      await readTopic(kafka.bootstrap, topic, { count: 300, timeoutMs: 60_000 });
      proc.child.kill('SIGKILL');
      await proc.exited;
      await waitFor(async () => !(await slotActive()), { timeoutMs: 30_000 });
      const confirmedAtKill = (await confirmedFlushLsn(s.db, s.config.source.slot)) ?? 0n;

      proc = startCli(['run', '--config', file]);
      await waitFor(slotActive, { timeoutMs: 30_000, message: () => `restart failed:\n${proc.stderr()}` });
      stop = true;
      const done = await Promise.all(workers);
      expect(done[0] + done[1]).toBeGreaterThan(100);

      const expected = await tableState(s.db, 't');
      let msgs: TopicMessage[] = [];
      const diff = (): string[] => replayDiff(expected, msgs);
      await waitFor(async () => {
        msgs = await readTopic(kafka.bootstrap, topic, { timeoutMs: 5_000 });
        return diff().length === 0;
      }, { timeoutMs: 120_000, message: () => `topic replay never matched the table (${msgs.length} messages): ${diff().slice(0, 10).join('; ')}` });

      const seen = new Map<string, number>();
      for (const m of msgs) seen.set(m.headers['walcast.id'], (seen.get(m.headers['walcast.id']) ?? 0) + 1);
      const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
      for (const id of duplicated) expect(commitLsnOfId(id) >= confirmedAtKill).toBe(true);

      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      if (proc.child.exitCode === null) { proc.child.kill('SIGKILL'); await proc.exited; }
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    }
  });
});

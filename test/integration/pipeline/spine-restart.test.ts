/**
 * Stop/start resumes from the slot without losing anything, and a broker outage never lets
 * the slot's confirmed_flush_lsn pass a commit the broker has not acknowledged.
 */
import { startConnector, ConnectorHandle } from '../../../connector/pipeline/supervisor';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { kafkaFromInfra } from '../../infra/env';
import { readTopic } from '../../infra/kafka';
import { startKafka } from '../../infra/kafka-broker';
import { waitFor } from '../../infra/wait';
import {
  confirmedFlushLsn, currentWalLsn, dropSlotAndPublication, replay, run, scenario, tableState,
} from '../support/connector';

describe('streaming spine: restarts and broker outages', () => {
  const kafka = () => kafkaFromInfra();

  it('stop/start resumes from the slot and loses nothing', async () => {
    const s = await scenario({ type: 'kafka', kafka: { brokers: [kafka().bootstrap] } });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    const topic = `${s.config.topicPrefix}.public.t`;
    try {
      let r = run(s.config);
      await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 30_000 });
      await s.db.query('INSERT INTO t SELECT g, 0 FROM generate_series(1, 50) g');
      await readTopic(kafka().bootstrap, topic, { count: 50, timeoutMs: 30_000 });
      await r.handle.stop('test');
      await r.handle.done;
      const confirmedAtStop = await confirmedFlushLsn(s.db, s.config.source.slot);
      expect(confirmedAtStop).not.toBeNull();

      // Changes while the connector is down are kept by the slot.
      await s.db.query('UPDATE t SET v = v + 1 WHERE id <= 25');
      await s.db.query('DELETE FROM t WHERE id > 45');
      await s.db.query('INSERT INTO t SELECT g, 7 FROM generate_series(51, 60) g');

      r = run(s.config);
      await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 30_000 });
      // 50 + 25 updates + 5 deletes (+5 tombstones) + 10 inserts
      const msgs = await readTopic(kafka().bootstrap, topic, { count: 95, timeoutMs: 60_000 });
      await r.handle.stop('test');
      expect(replay(msgs)).toEqual(await tableState(s.db, 't'));
      // A clean stop confirmed everything it had delivered: no duplicate ids.
      const ids = msgs.map((m) => m.headers['walcast.id']);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    }
  });

  it('a stop that arrives while START_REPLICATION is still pending completes (no hang on SIGTERM at start)', async () => {
    const s = await scenario({ type: 'kafka', kafka: { brokers: [kafka().bootstrap] } });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    try {
      for (let i = 0; i < 3; i++) {
        let stopping: Promise<void> | null = null;
        // The phase turns 'streaming' right after START_REPLICATION is sent, before the server answers.
        const handle: ConnectorHandle = startConnector(s.config, {
          logger: createMemoryLogger(),
          onPhase: (p) => { if (p === 'streaming') stopping = handle.stop('stop at start'); },
        });
        await waitFor(() => stopping !== null, { timeoutMs: 60_000 });
        await expect(waitFor(async () => { await stopping; await handle.done; return true; }, { timeoutMs: 30_000 })).resolves.toBe(true);
        expect(handle.phase()).toBe('stopped');
      }
    } finally {
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    }
  });

  it('during a 20 s broker outage confirms no unacked commit, survives, and delivers everything after recovery', async () => {
    // A real broker of this test's own, crashed (SIGKILL) and started again on the same ports
    // and data: the outage must not hit other test files.
    const own = await startKafka();
    const bootstrap = own.info.bootstrap;
    const s = await scenario({ type: 'kafka', kafka: { brokers: [bootstrap], requestTimeoutMs: 5000 } });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    const topic = `${s.config.topicPrefix}.public.t`;
    const r = run(s.config);
    try {
      await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 30_000 });
      for (let i = 1; i <= 20; i++) await s.db.query('INSERT INTO t VALUES ($1, 0)', [i]);
      await readTopic(bootstrap, topic, { count: 20, timeoutMs: 30_000 });
      await waitFor(async () => ((await confirmedFlushLsn(s.db, s.config.source.slot)) ?? 0n) > 0n, { timeoutMs: 10_000 });

      await own.nodes[0].kill();
      // Every commit from here on lies beyond this LSN and cannot be acked while the broker is down.
      const outageStart = await currentWalLsn(s.db);
      const samples: bigint[] = [];
      const until = Date.now() + 20_000;
      let i = 20;
      while (Date.now() < until) {
        i++;
        await s.db.query('INSERT INTO t VALUES ($1, 1)', [i]);
        await s.db.query('UPDATE t SET v = v + 1 WHERE id = $1', [1 + (i % 20)]);
        samples.push((await confirmedFlushLsn(s.db, s.config.source.slot)) ?? 0n);
      }
      expect(samples.length).toBeGreaterThan(50);
      for (const sample of samples) expect(sample <= outageStart).toBe(true);
      expect(r.phases).not.toContain('failed');

      await own.nodes[0].start();
      const expectedRows = await tableState(s.db, 't');
      // Redeliveries count too, so wait for the replay to equal the table, not for a count.
      const total = 20 + 2 * (i - 20);
      let msgs = await readTopic(bootstrap, topic, { count: total, timeoutMs: 120_000 });
      await waitFor(async () => {
        msgs = await readTopic(bootstrap, topic, { timeoutMs: 30_000 });
        return JSON.stringify([...replay(msgs)].sort()) === JSON.stringify([...expectedRows].sort());
      }, { timeoutMs: 120_000, intervalMs: 1000, message: () => `replay of ${msgs.length} messages never matched the table` });
      expect(replay(msgs)).toEqual(expectedRows);
      // After recovery the slot catches up past the outage.
      await waitFor(async () => ((await confirmedFlushLsn(s.db, s.config.source.slot)) ?? 0n) > outageStart, { timeoutMs: 60_000 });
    } finally {
      await own.nodes[0].start().catch(() => undefined);
      await r.handle.stop('test');
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
      await own.stop();
    }
  });
});

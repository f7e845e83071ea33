/**
 * Heartbeats against Debezium 3.6.1 (heartbeat.interval.ms, heartbeat.action.query), schemas on:
 * the topic name, key, value and their schemas; the action query runs on the source; and an idle
 * slot (nothing captured changes) moves past WAL written elsewhere.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/heartbeat.test.ts
 */
import { createTestDatabase } from '../../infra/env';
import { waitFor } from '../../infra/wait';
import type { PeerOutput } from './compare';
import { startPair, unexplainedDifferences } from './run-pair';

const isHeartbeat = (topic: string) => topic.startsWith('__debezium-heartbeat.');

/** The first two heartbeats of each peer (their number depends on how long each ran). */
function firstHeartbeats<R extends PeerOutput>(records: R[]): R[] {
  return records.filter((r) => isHeartbeat(r.topic)).slice(0, 2);
}

describe('compat: walcast vs Debezium, heartbeats', () => {
  it('heartbeat records are the same; the action query runs; an idle slot advances', async () => {
    const db = await createTestDatabase('compat');
    await db.query('CREATE TABLE quiet (id integer PRIMARY KEY)');
    await db.query('CREATE TABLE hb_log (who text, at timestamptz DEFAULT now())');
    await db.query('CREATE TABLE elsewhere (id serial PRIMARY KEY, v text)');
    const pair = await startPair(db, {
      tables: ['public.quiet'], schemas: true,
      debeziumProps: { 'heartbeat.interval.ms': '300', 'heartbeat.action.query': `INSERT INTO hb_log (who) VALUES ('debezium')` },
      heartbeat: { intervalMs: 300, actionQuery: `INSERT INTO hb_log (who) VALUES ('walcast')` },
    });
    try {
      const two = (rs: ReadonlyArray<{ topic: string }>) => rs.filter((r) => isHeartbeat(r.topic)).length >= 2;
      await pair.debezium.waitForRecords(two, 30_000);
      const ours = await pair.walcast.waitForRecords(two, 30_000);
      expect(ours.find((r) => isHeartbeat(r.topic))!.topic).toBe(`__debezium-heartbeat.${pair.debezium.topicPrefix}`);
      expect(unexplainedDifferences('heartbeat', pair, undefined, firstHeartbeats)).toBe('');

      const runs = await waitFor(async () => {
        const rows = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM hb_log WHERE who = 'walcast'`);
        return Number(rows[0]!.n) >= 2 ? Number(rows[0]!.n) : undefined;
      }, { timeoutMs: 30_000, message: () => 'walcast to run its heartbeat action query' });
      expect(runs).toBeGreaterThanOrEqual(2);

      // WAL written outside the captured tables: the idle slot's confirmed position passes it.
      await db.query(`INSERT INTO elsewhere (v) SELECT repeat('x', 100) FROM generate_series(1, 1000)`);
      const [{ lsn: written }] = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      await waitFor(async () => {
        const rows = await db.query<{ ok: boolean }>(
          'SELECT confirmed_flush_lsn >= $2::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $1', [pair.walcast.slot, written]);
        return rows[0]?.ok === true;
      }, { timeoutMs: 30_000, message: () => `walcast's idle slot to confirm past ${written}` });
      expect(pair.walcast.records().filter((r) => !isHeartbeat(r.topic))).toEqual([]);
    } finally {
      await pair.stop();
    }
  });
});

/**
 * snapshot.deleteMissing under exactly-once: the deletes of the delete pass are committed before
 * streaming starts. A connector stopped (or killed) before any streamed commit keeps them; had
 * they waited in the open Kafka transaction for the first streamed commit, the stop would abort
 * them while the state already records the snapshot as complete, and they would never be sent.
 * Real PostgreSQL, real Kafka, read by Kafka's Java read_committed consumer.
 */
import { kafkaFromInfra } from '../../infra/env';
import { readCommittedJava } from '../../infra/kafka-committed';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';
import { waitFor } from '../../infra/wait';
import { dropSlotAndPublication, run, scenario, type Scenario } from '../support/connector';

describe('snapshot.deleteMissing with exactly-once', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await scenario({ type: 'kafka', kafka: { brokers: [kafkaFromInfra().bootstrap], partitions: 2, exactlyOnce: true } }, {
      snapshot: { mode: 'initial' },
      offsets: { stateDir: tempDir('walcast-state-'), topic: uniqueName('walcast_state') },
    });
    await s.db.query(`CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);
      INSERT INTO t SELECT g, g FROM generate_series(1, 300) g;`);
  });
  afterAll(async () => { await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication); });

  /** Runs with `snapshot` options until streaming, then stops at once (nothing streamed). */
  const untilStreaming = async (snapshot: Record<string, unknown>) => {
    const r = run({ ...s.config, snapshot: { ...s.config.snapshot, ...snapshot } } as Scenario['config']);
    try {
      await waitFor(() => r.phases.includes('streaming') || r.phases.includes('failed'), {
        timeoutMs: 150_000,
        message: () => `no streaming: ${r.phases.join(',')} ${JSON.stringify(r.logs.filter((l) => l.level === 'error' || l.level === 'warn').slice(-3))}`,
      });
      expect(r.phases).not.toContain('failed');
    } finally {
      await r.handle.stop('test');
    }
    return r;
  };

  it('the deletes are committed before streaming: a stop before any streamed commit keeps them', async () => {
    const topic = `${s.config.topicPrefix}.public.t`;
    await untilStreaming({});
    // The slot is dropped while walcast is stopped and rows are deleted in the gap.
    await s.db.query('SELECT pg_drop_replication_slot($1)', [s.config.source.slot]);
    await s.db.query('DELETE FROM t WHERE id BETWEEN 101 AND 150');
    const second = await untilStreaming({ mode: 'when_needed', deleteMissing: true });
    expect(second.logs.some((l) => /snapshot.deleteMissing: deleted/.test(l.msg))).toBe(true);

    const msgs = await readCommittedJava(kafkaFromInfra().bootstrap, [topic]);
    const deleted = new Set(msgs.filter((m) => m.value !== null && (JSON.parse(m.value.toString()) as { op: string }).op === 'd')
      .map((m) => (JSON.parse(m.key!.toString()) as { id: number }).id));
    expect([...deleted].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 101 + i));
  }, 300_000);
});

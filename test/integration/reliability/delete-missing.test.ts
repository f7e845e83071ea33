/**
 * Rows deleted while the slot was gone (issue 8, item 3): a when_needed re-snapshot publishes an
 * op 'r' per row the table has, so without `snapshot.deleteMissing` the rows deleted in the gap
 * stay in the topic; with it, every key the topic held and the table lost gets a delete and a
 * tombstone, and the topic replayed (its compacted view) equals the table again.
 * Real PostgreSQL and real Kafka (2 partitions, so keys spread over both).
 */
import { kafkaFromInfra } from '../../infra/env';
import { readTopic, type TopicMessage } from '../../infra/kafka-reader';
import { waitFor } from '../../infra/wait';
import {
  dropSlotAndPublication, envelopeOf, lsnBeforeCommit, replay, run, scenario, type Scenario, waitConfirmedPast,
} from '../support/connector';

const kafka = () => kafkaFromInfra();
/** Beyond 2^53: a key that JSON.parse would round. */
const BIG = '9007199254740993';

describe('snapshot.deleteMissing after a gap', () => {
  let s: Scenario;
  const topic = () => `${s.config.topicPrefix}.public.t`;
  const withOptions = (mode: string, deleteMissing: boolean) =>
    ({ ...s.config, snapshot: { ...s.config.snapshot, mode, deleteMissing } }) as Scenario['config'];

  /** Runs until streaming, waits until a marker commit is confirmed, stops; returns the run. */
  const runOnce = async (mode: string, deleteMissing: boolean) => {
    const r = run(withOptions(mode, deleteMissing));
    try {
      await waitFor(() => r.phases.includes('streaming') || r.phases.includes('failed'), {
        timeoutMs: 150_000,
        message: () => `no streaming: ${r.phases.slice(0, 8).join(',')} ${JSON.stringify(r.logs.filter((l) => l.level === 'error' || l.level === 'warn').slice(-3))}`,
      });
      expect(r.phases).not.toContain('failed');
      const marker = await lsnBeforeCommit(s.db, 'UPDATE t SET v = v WHERE id = 1');
      await waitConfirmedPast(s.db, s.config.source.slot, marker, 120_000);
    } finally {
      await r.handle.stop('test');
    }
    return r;
  };
  const readAll = () => readTopic(kafka().bootstrap, topic(), { timeoutMs: 60_000 });
  /** The table as the topic's replay keys it: id text (raw, so BIG keeps its digits) -> v. */
  const tableKeys = async (): Promise<Map<string, number>> => {
    const rows = await s.db.query<{ id: string; v: number }>('SELECT id::text AS id, v FROM t');
    return new Map(rows.map((r) => [`{"id":${r.id}}`, r.v]));
  };
  const topicKeys = (msgs: readonly TopicMessage[]): Map<string, number> =>
    new Map([...replay(msgs)].map(([k, after]) => [k, after.v as number]));
  const dropSlot = () => s.db.query('SELECT pg_drop_replication_slot($1)', [s.config.source.slot]);

  beforeAll(async () => {
    s = await scenario({ type: 'kafka', kafka: { brokers: [kafka().bootstrap], partitions: 2 } }, { snapshot: { mode: 'initial' } });
    await s.db.query(`CREATE TABLE t (id int8 PRIMARY KEY, v int NOT NULL, note text);
      INSERT INTO t SELECT g, g, 'n' || g FROM generate_series(1, 3000) g;
      INSERT INTO t VALUES (${BIG}, 7, 'big');`);
  });
  afterAll(async () => { await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication); });

  it('without the option the rows deleted in the gap stay; with it the topic equals the table', async () => {
    // A first life: snapshot, then streamed changes (deletes among them, so the topic holds
    // keys whose last record is a tombstone: those must not be deleted again).
    const first = run(withOptions('initial', false));
    await waitFor(() => first.phases.includes('streaming') || first.phases.includes('failed'), { timeoutMs: 150_000 });
    expect(first.phases).not.toContain('failed');
    await s.db.query('DELETE FROM t WHERE id BETWEEN 2901 AND 3000; UPDATE t SET v = -v WHERE id <= 10');
    const m1 = await lsnBeforeCommit(s.db, 'UPDATE t SET v = v WHERE id = 1');
    await waitConfirmedPast(s.db, s.config.source.slot, m1, 120_000);
    await first.handle.stop('test');

    // Gap 1: the slot is dropped while walcast is stopped; rows are deleted, updated, added.
    await dropSlot();
    await s.db.query(`DELETE FROM t WHERE id BETWEEN 101 AND 400 OR id = ${BIG};
      UPDATE t SET v = 0 WHERE id BETWEEN 401 AND 450; INSERT INTO t VALUES (5001, 1, 'new')`);
    const without = await runOnce('when_needed', false);
    expect(without.phases).toContain('snapshotting');
    const stale = topicKeys(await readAll());
    const table1 = await tableKeys();
    const left = [...stale.keys()].filter((k) => !table1.has(k));
    // Documented behaviour without the option: exactly the rows deleted in the gap stay.
    expect(left.length).toBe(301);
    expect(left).toContain(`{"id":${BIG}}`);

    // Gap 2, with the option on: its deletes and those left from gap 1 are all published.
    await dropSlot();
    await s.db.query('DELETE FROM t WHERE id BETWEEN 1001 AND 1200; UPDATE t SET v = 1 WHERE id = 1300');
    const before = await readAll();
    const withOpt = await runOnce('when_needed', true);
    expect(withOpt.phases).toContain('snapshotting');
    const msgs = await readAll();
    const table2 = await tableKeys();
    expect(topicKeys(msgs)).toEqual(table2);

    // The deletes: op d with the key's columns in before (NOT NULL v takes Debezium's 0, note
    // null), each followed by its tombstone; only for keys the table lost.
    const seen = new Set(before.map((b) => `${b.partition}:${b.offset}`));
    const added = msgs.filter((m) => !seen.has(`${m.partition}:${m.offset}`));
    const deletes = added.filter((m) => envelopeOf(m)?.op === 'd');
    expect(deletes.length).toBe(301 + 200);
    const big = deletes.find((m) => m.key?.toString() === `{"id":${BIG}}`)!;
    expect(big.value!.toString()).toContain(`"before":{"id":${BIG},"v":0,"note":null},"after":null`);
    expect(envelopeOf(big)).toMatchObject({ op: 'd', after: null, source: { snapshot: 'false', table: 't', txId: null } });
    expect(big.headers.op).toBe('d');
    for (const d of deletes) {
      const next = msgs.find((m) => m.partition === d.partition && BigInt(m.offset) === BigInt(d.offset) + 1n);
      expect(next && next.value === null && next.key?.equals(d.key!)).toBe(true);
    }
    expect(withOpt.logs.some((l) => /snapshot.deleteMissing: deleted/.test(l.msg))).toBe(true);
  }, 600_000);
});

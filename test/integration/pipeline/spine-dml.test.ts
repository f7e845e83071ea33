/**
 * Mixed DML through the whole pipeline to the Kafka test broker: every committed change arrives
 * as the expected envelope on the expected topic, in order per key; nothing from rolled-back
 * work arrives.
 */
import { createMetrics } from '../../../connector/observe/metrics';
import { kafkaFromInfra } from '../../infra/env';
import { readTopic } from '../../infra/kafka';
import { waitFor } from '../../infra/wait';
import { dropSlotAndPublication, envelopeOf, replay, run, Running, scenario, Scenario, TopicMessage } from '../support/connector';

describe('streaming spine: DML to Kafka', () => {
  let s: Scenario;
  let r: Running;
  const metrics = createMetrics();
  const kafka = () => kafkaFromInfra();
  const topic = (table: string) => `${s.config.topicPrefix}.public.${table}`;
  const read = (table: string, count: number): Promise<TopicMessage[]> =>
    readTopic(kafka().bootstrap, topic(table), { count: count, timeoutMs: 60_000 });

  beforeAll(async () => {
    s = await scenario({ type: 'kafka', kafka: { brokers: [kafka().bootstrap], partitions: 3 } });
    await s.db.query(`
      CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL, total numeric(10,2), qty bigint);
      CREATE TABLE order_lines (order_id int, line int, sku text, PRIMARY KEY (order_id, line));
      CREATE TABLE "Order Items" (id int PRIMARY KEY, "Item Name" text);
      CREATE TABLE audit (id int PRIMARY KEY, note text);
      ALTER TABLE audit REPLICA IDENTITY FULL;`);
    r = run(s.config, { metrics });
    await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 30_000, message: () => `connector did not start: ${JSON.stringify(r.logs.slice(-5))}` });
  });

  afterAll(async () => {
    await r?.handle.stop('test done');
    if (s) await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
  });

  it('delivers inserts, updates, deletes with tombstones; skips rolled-back work', async () => {
    await s.db.query(`INSERT INTO orders VALUES (1, 'new', 10.50, 9007199254740993)`);
    await s.db.query(`BEGIN;
      INSERT INTO orders VALUES (2, 'new', 1.00, 1), (3, 'new', 2.00, 2);
      UPDATE orders SET status = 'paid' WHERE id = 1;
      COMMIT;`);
    await s.db.query(`BEGIN; INSERT INTO orders VALUES (99, 'ghost', 0, 0); ROLLBACK;`);
    await s.db.query(`BEGIN;
      INSERT INTO orders VALUES (4, 'new', 4.00, 4);
      SAVEPOINT a; INSERT INTO orders VALUES (98, 'ghost', 0, 0); ROLLBACK TO SAVEPOINT a;
      UPDATE orders SET status = 'shipped' WHERE id = 2;
      COMMIT;`);
    await s.db.query(`DELETE FROM orders WHERE id = 3`);
    await s.db.query(`UPDATE orders SET id = 5 WHERE id = 4`); // key change

    // 1 + 3 + 2 + (delete + tombstone) + (key change: delete + tombstone + create) = 11
    const msgs = await read('orders', 11);
    expect(msgs).toHaveLength(11);
    const byKey = new Map<string, Array<{ op: string | null; status: unknown }>>();
    for (const m of msgs) {
      const k = m.key!.toString();
      const env = envelopeOf(m);
      const list = byKey.get(k) ?? [];
      list.push({ op: env?.op ?? null, status: env?.after?.status ?? null });
      byKey.set(k, list);
    }
    expect(byKey.get('{"id":1}')).toEqual([{ op: 'c', status: 'new' }, { op: 'u', status: 'paid' }]);
    expect(byKey.get('{"id":2}')).toEqual([{ op: 'c', status: 'new' }, { op: 'u', status: 'shipped' }]);
    expect(byKey.get('{"id":3}')).toEqual([{ op: 'c', status: 'new' }, { op: 'd', status: null }, { op: null, status: null }]);
    expect(byKey.get('{"id":4}')).toEqual([{ op: 'c', status: 'new' }, { op: 'd', status: null }, { op: null, status: null }]);
    expect(byKey.get('{"id":5}')).toEqual([{ op: 'c', status: 'new' }]);
    expect(byKey.has('{"id":98}')).toBe(false);
    expect(byKey.has('{"id":99}')).toBe(false);

    const first = envelopeOf(msgs.find((m) => m.key!.toString() === '{"id":1}')!)!;
    // int8 beyond 2^53 arrives exactly (the raw JSON text, not a rounded double)
    expect(msgs.find((m) => m.key!.toString() === '{"id":1}')!.value!.toString()).toContain('"qty":9007199254740993');
    expect(first.before).toBeNull();
    expect(first.source).toMatchObject({ connector: 'postgresql', name: s.config.name, db: s.db.name, schema: 'public', table: 'orders', snapshot: 'false' });
    expect(typeof first.source.txId).toBe('number');
    expect(typeof first.source.lsn).toBe('number');
    const ids = msgs.map((m) => m.headers['walcast.id']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9A-F]+\/[0-9A-F]+:\d+$/);

    // /metrics counts change events (not records) by table, op and phase: 4 inserts, 3 updates
    // (one of them the key change, published as delete + tombstone + create), 1 delete.
    const text = await metrics.render();
    expect(text).toContain('walcast_events_total{table="public.orders",op="c",phase="stream"} 4');
    expect(text).toContain('walcast_events_total{table="public.orders",op="u",phase="stream"} 3');
    expect(text).toContain('walcast_events_total{table="public.orders",op="d",phase="stream"} 1');
    expect(text).toMatch(/acked_total\S* (\d+)/);

    const final = replay(msgs);
    const rows = await s.db.query<{ id: number; status: string }>('SELECT id, status FROM orders ORDER BY id');
    expect([...final.keys()].sort()).toEqual(rows.map((x) => JSON.stringify({ id: x.id })).sort());
    for (const row of rows) expect(final.get(JSON.stringify({ id: row.id }))?.status).toBe(row.status);
  });

  it('handles composite keys, quoted table names and REPLICA IDENTITY FULL', async () => {
    await s.db.query(`INSERT INTO order_lines VALUES (1, 1, 'A'), (1, 2, 'B')`);
    await s.db.query(`UPDATE order_lines SET sku = 'C' WHERE order_id = 1 AND line = 2`);
    await s.db.query(`INSERT INTO "Order Items" VALUES (7, 'Blue "Widget"')`);
    await s.db.query(`INSERT INTO audit VALUES (1, 'a')`);
    await s.db.query(`UPDATE audit SET note = 'b' WHERE id = 1`);

    const lines = await read('order_lines', 3);
    expect(lines.map((m) => m.key!.toString())).toEqual(expect.arrayContaining(['{"order_id":1,"line":1}', '{"order_id":1,"line":2}']));
    const upd = lines.map(envelopeOf).find((e) => e?.op === 'u')!;
    expect(upd.after).toEqual({ order_id: 1, line: 2, sku: 'C' });

    // "Order Items" -> Order_Items in the topic name
    const items = await readTopic(kafka().bootstrap, `${s.config.topicPrefix}.public.Order_Items`, { count: 1, timeoutMs: 30_000 });
    expect(envelopeOf(items[0])!.after).toEqual({ id: 7, 'Item Name': 'Blue "Widget"' });
    expect(envelopeOf(items[0])!.source.table).toBe('Order Items');

    const audit = await read('audit', 2);
    const u = envelopeOf(audit[1])!;
    expect(u.op).toBe('u');
    expect(u.before).toEqual({ id: 1, note: 'a' });
    expect(u.after).toEqual({ id: 1, note: 'b' });
  });

  it('keeps per-key order across many transactions in flight', async () => {
    const n = 300;
    await s.db.query(`INSERT INTO audit SELECT g, 'v0' FROM generate_series(100, 109) g`);
    for (let i = 1; i <= n; i++) await s.db.query(`UPDATE audit SET note = $1 WHERE id = $2`, [`v${i}`, 100 + (i % 10)]);
    const msgs = await read('audit', 2 + 10 + n);
    const perKey = new Map<string, number[]>();
    for (const m of msgs.slice(2)) {
      const env = envelopeOf(m)!;
      const v = Number(String(env.after!.note).slice(1));
      const k = m.key!.toString();
      perKey.set(k, [...(perKey.get(k) ?? []), v]);
    }
    for (const [, seq] of perKey) expect(seq).toEqual([...seq].sort((a, b) => a - b));
  });
});

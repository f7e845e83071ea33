/**
 * The spine's scenarios once per decoder and broker: pgoutput and wal2json, Kafka and NATS
 * JetStream give the same envelopes and the same no-loss guarantee. Where the two decoders
 * truly differ, the test names the difference (README "wal2json").
 */
import { waitFor } from '../../infra/wait';
import { BrokerCase, brokerCases } from '../support/brokers';
import {
  commitLsnOfId, confirmedFlushLsn, dropSlotAndPublication, envelopeOf, lsnBeforeCommit, replay, run, scenario, Scenario, tableState,
  TopicMessage, waitConfirmedPast,
} from '../support/connector';
import { startCli, writeConfigFile } from '../support/cli-process';

const matrix = (['pgoutput', 'wal2json'] as const).flatMap((plugin) => brokerCases.map((broker) => ({ plugin, broker, label: `${plugin} -> ${broker.name}` })));

async function settled(s: Scenario, table: string, broker: BrokerCase): Promise<TopicMessage[]> {
  const marker = await lsnBeforeCommit(s.db, `UPDATE ${table} SET v = v WHERE id = (SELECT min(id) FROM ${table})`);
  await waitConfirmedPast(s.db, s.config.source.slot, marker);
  return broker.read(s.config, 'public', table);
}

describe.each(matrix)('parity: $label', ({ plugin, broker }) => {
  it('mixed DML, rollbacks, savepoints, composite keys and quoted names give the same envelopes', async () => {
    const s = await scenario(broker.sinkConfig(), { source: { plugin } });
    await s.db.query(`
      CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL, qty bigint, price numeric(10,2));
      CREATE TABLE order_lines (order_id int, line int, sku text, PRIMARY KEY (order_id, line));
      CREATE TABLE "Order Items" (id int PRIMARY KEY, "Item Name" text);`);
    const r = run(s.config);
    try {
      await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 30_000, message: () => JSON.stringify(r.logs.slice(-3)) });
      await s.db.query(`INSERT INTO orders VALUES (1, 'new', 9007199254740993, 10.50)`);
      await s.db.query(`BEGIN; INSERT INTO orders VALUES (2, 'new', 1, 1), (3, 'new', 2, 2); UPDATE orders SET status = 'paid' WHERE id = 1; COMMIT;`);
      await s.db.query(`BEGIN; INSERT INTO orders VALUES (99, 'ghost', 0, 0); ROLLBACK;`);
      await s.db.query(`BEGIN; INSERT INTO orders VALUES (4, 'new', 4, 4); SAVEPOINT a; INSERT INTO orders VALUES (98, 'ghost', 0, 0);
        ROLLBACK TO SAVEPOINT a; UPDATE orders SET status = 'shipped' WHERE id = 2; COMMIT;`);
      await s.db.query(`DELETE FROM orders WHERE id = 3`);
      await s.db.query(`INSERT INTO order_lines VALUES (1, 1, 'A'), (1, 2, 'B')`);
      await s.db.query(`INSERT INTO "Order Items" VALUES (7, 'Blue "Widget"')`);

      const orders = await waitFor(async () => {
        const m = await broker.read(s.config, 'public', 'orders');
        return m.length >= (broker.tombstones ? 8 : 7) ? m : undefined;
      }, { timeoutMs: 30_000 });
      const seen = orders.map((m) => `${m.key?.toString()}:${envelopeOf(m)?.op ?? 'tombstone'}:${String(envelopeOf(m)?.after?.status ?? '')}`);
      const expected = ['{"id":1}:c:new', '{"id":2}:c:new', '{"id":3}:c:new', '{"id":1}:u:paid', '{"id":4}:c:new', '{"id":2}:u:shipped', '{"id":3}:d:'];
      if (broker.tombstones) expected.push('{"id":3}:tombstone:');
      const keyOf = (e: string) => e.slice(0, e.indexOf('}') + 1);
      const byKey = (list: string[]) => [...list].sort((a, b) => keyOf(a).localeCompare(keyOf(b))); // stable: keeps order per key
      // Order per key is what Kafka (partitions) and NATS both guarantee.
      expect(byKey(seen)).toEqual(byKey(expected));
      expect(orders.find((m) => m.key?.toString() === '{"id":1}')!.value!.toString()).toContain('"qty":9007199254740993');
      const first = envelopeOf(orders.find((m) => m.key?.toString() === '{"id":1}')!)!;
      expect(first.source).toMatchObject({ connector: 'postgresql', db: s.db.name, schema: 'public', table: 'orders', snapshot: 'false' });
      expect(first.after).toMatchObject({ id: 1, status: 'new' });
      for (const m of orders) expect(m.headers['walcast.id']).toMatch(/^[0-9A-F]+\/[0-9A-F]+:\d+$/);

      const lines = await waitFor(async () => { const m = await broker.read(s.config, 'public', 'order_lines'); return m.length >= 2 ? m : undefined; });
      expect(lines.map((m) => m.key?.toString()).sort()).toEqual(['{"order_id":1,"line":1}', '{"order_id":1,"line":2}']);
      const items = await waitFor(async () => { const m = await broker.read(s.config, 'public', 'Order_Items'); return m.length >= 1 ? m : undefined; });
      expect(envelopeOf(items[0])).toMatchObject({ op: 'c', after: { id: 7, 'Item Name': 'Blue "Widget"' }, source: { table: 'Order Items' } });
    } finally {
      await r.handle.stop('test');
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    }
  });

  it('float NaN: a documented decoder difference', async () => {
    const s = await scenario(broker.sinkConfig(), { source: { plugin } });
    await s.db.query('CREATE TABLE f (id int PRIMARY KEY, x float8)');
    const r = run(s.config);
    try {
      await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 30_000 });
      await s.db.query(`INSERT INTO f VALUES (1, 'NaN'), (2, 1.5)`);
      const msgs = await waitFor(async () => { const m = await broker.read(s.config, 'public', 'f'); return m.length >= 2 ? m : undefined; });
      const x = (id: number) => envelopeOf(msgs.find((m) => m.key?.toString() === `{"id":${id}}`)!)!.after!.x;
      expect(x(2)).toBe(1.5);
      // pgoutput prints NaN, which Debezium's JSON converter writes as "NaN"; wal2json 2.5 prints null.
      expect(x(1)).toBe(plugin === 'pgoutput' ? 'NaN' : null);
    } finally {
      await r.handle.stop('test');
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    }
  });

  it('kill -9 mid-workload and a restart lose nothing; redelivered commits keep their ids', async () => {
    const s = await scenario(broker.sinkConfig(), { source: { plugin } });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    const file = writeConfigFile({ ...s.config, log: { level: 'info' } });
    const slotActive = async () => (await s.db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [s.config.source.slot]))[0]?.active === true;
    let proc = startCli(['run', '--config', file]);
    let stop = false;
    const worker = async (offset: number) => {
      for (let n = 0; !stop; n++) {
        await s.db.query(`BEGIN; INSERT INTO t VALUES (${offset + n}, 0); UPDATE t SET v = v + 1 WHERE id = ${offset + Math.floor(n / 2)}; COMMIT;`);
        if (n % 5 === 4) await s.db.query('DELETE FROM t WHERE id = $1', [offset + n - 1]);
      }
    };
    try {
      await waitFor(slotActive, { timeoutMs: 30_000, message: () => proc.stderr() });
      const workers = [worker(0), worker(1_000_000)];
      await waitFor(async () => (await confirmedFlushLsn(s.db, s.config.source.slot) ?? 0n) > 0n && (await broker.read(s.config, 'public', 't')).length > 200, { timeoutMs: 60_000, intervalMs: 200 });
      proc.child.kill('SIGKILL');
      await proc.exited;
      await waitFor(async () => !(await slotActive()), { timeoutMs: 30_000 });
      const confirmedAtKill = (await confirmedFlushLsn(s.db, s.config.source.slot)) ?? 0n;
      proc = startCli(['run', '--config', file]);
      await waitFor(slotActive, { timeoutMs: 30_000, message: () => proc.stderr() });
      stop = true;
      await Promise.all(workers);

      const msgs = await settled(s, 't', broker);
      expect(replay(msgs)).toEqual(await tableState(s.db, 't'));
      const counts = new Map<string, number>();
      for (const m of msgs) counts.set(m.headers['walcast.id'], (counts.get(m.headers['walcast.id']) ?? 0) + 1);
      const dups = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      if (broker.name === 'nats') {
        // Redelivered within the duplicate window: duplicate acks, no second copies.
        expect(dups).toEqual([]);
      } else {
        for (const id of dups) expect(commitLsnOfId(id) >= confirmedAtKill).toBe(true);
      }
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      stop = true;
      if (proc.child.exitCode === null) { proc.child.kill('SIGKILL'); await proc.exited; }
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    }
  });
});

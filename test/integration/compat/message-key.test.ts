/**
 * walcast against Debezium 3.6.1 with message key columns (Debezium message.key.columns), both
 * configured the same way: snapshot and streaming, under REPLICA IDENTITY DEFAULT and FULL,
 * including updates of a message-key column.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/message-key.test.ts
 */
import { createTestDatabase } from '../../infra/env';
import { startPair, unexplainedDifferences } from './run-pair';

type Rec = { value: unknown };
const opOf = (r: Rec) => (r.value as { op?: string } | null)?.op;

describe.each(['DEFAULT', 'FULL'])('compat: walcast vs Debezium, message key columns, REPLICA IDENTITY %s', (identity) => {
  it('gives the same records', async () => {
    const db = await createTestDatabase('compatkey');
    await db.query('CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int NOT NULL, region text, note text)');
    await db.query(`ALTER TABLE public.orders REPLICA IDENTITY ${identity}`);
    await db.query("INSERT INTO public.orders VALUES (1, 10, 'eu', 'a'), (2, 20, NULL, 'b')");
    const pair = await startPair(db, {
      tables: ['public.orders'],
      envelope: { messageKeyColumns: ['public.orders:region,customer_id'] },
      debeziumProps: { 'message.key.columns': 'public.orders:region,customer_id' },
    });
    try {
      await db.query("INSERT INTO public.orders VALUES (3, 30, 'us', 'c')");
      await db.query("UPDATE public.orders SET note = 'a2' WHERE id = 1");
      await db.query('UPDATE public.orders SET customer_id = 11 WHERE id = 1');
      await db.query('UPDATE public.orders SET id = 22 WHERE id = 2');
      await db.query('DELETE FROM public.orders WHERE id = 3');
      await db.query("INSERT INTO public.orders VALUES (4, 40, 'end', 'd')");
      const done = (rs: readonly Rec[]) => rs.some((r) => opOf(r) === 'c' && JSON.stringify(r.value).includes('"end"'));
      await pair.debezium.waitForRecords(done, 60_000);
      await pair.walcast.waitForRecords(done, 60_000);
      expect(unexplainedDifferences(`message-key-${identity}`, pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

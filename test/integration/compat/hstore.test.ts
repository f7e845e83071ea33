/**
 * hstore under both hstore.handling.mode values against Debezium 3.6.1, schemas on: hstore and
 * hstore[] columns, integer-like keys (HashMap order, not a JS object's), NULL values, an empty
 * hstore, and a delete under REPLICA IDENTITY DEFAULT (a NOT NULL hstore the old row lacks).
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/hstore.test.ts
 */
import type { HstoreHandling } from '../../../connector/envelope/options';
import { createTestDatabase } from '../../infra/env';
import { splitSchema } from './compare';
import { startPair, unexplainedDifferences } from './run-pair';

type Rec = { value: unknown };

describe.each<HstoreHandling>(['json', 'map'])('compat: walcast vs Debezium, hstore.handling.mode=%s', (mode) => {
  it('hstore and hstore[] columns: the same values and schemas, snapshot and streaming', async () => {
    const db = await createTestDatabase('compat');
    await db.query('CREATE EXTENSION IF NOT EXISTS hstore');
    await db.query('CREATE TABLE public.hs (id int PRIMARY KEY, h hstore NOT NULL, hn hstore, ha hstore[])');
    await db.query(`INSERT INTO public.hs VALUES
      (1, 'b=>x, 1=>y, "k k"=>NULL, 10=>"\\\\\\\\"', NULL, ARRAY['a=>1'::hstore, NULL, ''::hstore]),
      (2, '', '', '{}')`);
    const pair = await startPair(db, {
      tables: ['public.hs'], schemas: true,
      envelope: { hstoreHandling: mode }, debeziumProps: { 'hstore.handling.mode': mode },
    });
    try {
      await db.query(`INSERT INTO public.hs VALUES (3, '${Array.from({ length: 14 }, (_, i) => `key${i}=>v${i}`).join(', ')}', 'z=>NULL', ARRAY['2=>two, 1=>one'::hstore])`);
      await db.query("UPDATE public.hs SET hn = 'n=>1' WHERE id = 1");
      await db.query('DELETE FROM public.hs WHERE id = 2');
      await db.query("INSERT INTO public.hs VALUES (4, 'end=>1', NULL, NULL)");
      const done = (rs: readonly Rec[]) => rs.some((r) => JSON.stringify(splitSchema(r.value)[0]).includes('"id":4'));
      await pair.debezium.waitForRecords(done, 60_000);
      await pair.walcast.waitForRecords(done, 60_000);
      expect(unexplainedDifferences(`hstore-${mode}`, pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

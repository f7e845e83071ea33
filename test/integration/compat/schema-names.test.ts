/**
 * schema.name.adjustment.mode against Debezium 3.6.1, schemas on: a topic prefix and a table name
 * with characters Avro names cannot hold. The record names in the key and value schemas
 * (`<topic>.Key`, `.Value`, `.Envelope`) must be adjusted exactly as Debezium adjusts them; topics
 * keep their names.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/schema-names.test.ts
 */
import type { SchemaNameAdjustment } from '../../../connector/envelope/options';
import { createTestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { splitSchema } from './compare';
import { startPair, unexplainedDifferences } from './run-pair';

type Rec = { topic: string; value: unknown };

describe.each<[Exclude<SchemaNameAdjustment, 'none'>, RegExp]>([
  ['avro', /^[a-z0-9_]+_dash\.public\.order_items\.Envelope$/],
  ['avro_unicode', /^[a-z0-9_u]+_u002ddash\.public\.order_u002ditems\.Envelope$/],
])('compat: walcast vs Debezium, schema.name.adjustment.mode=%s', (mode, envelopeName) => {
  it('a prefix and a table with "-": the same adjusted record names in the schemas', async () => {
    const db = await createTestDatabase('compat');
    await db.query('CREATE TABLE public."order-items" (id int PRIMARY KEY, "qty" int)');
    await db.query('INSERT INTO public."order-items" VALUES (1, 10)');
    const prefix = `${uniqueName('dbz')}-dash`;
    const pair = await startPair(db, {
      tables: ['public.order-items'], schemas: true,
      envelope: { schemaNameAdjustment: mode },
      debeziumProps: { 'topic.prefix': prefix, 'schema.name.adjustment.mode': mode },
    });
    try {
      expect(pair.debezium.topicPrefix).toBe(prefix);
      await db.query('INSERT INTO public."order-items" VALUES (2, 20)');
      await db.query('UPDATE public."order-items" SET qty = 21 WHERE id = 2');
      const done = (rs: readonly Rec[]) => rs.some((r) => (splitSchema(r.value)[0] as { op?: string } | null)?.op === 'u');
      await pair.debezium.waitForRecords(done, 60_000);
      const ours = await pair.walcast.waitForRecords(done, 60_000);
      // The adjustment really happened (so the comparison below compares adjusted names).
      const schema = splitSchema(ours.find((r) => r.topic === `${prefix}.public.order-items`)!.value)[1] as { name: string };
      expect(schema.name).toMatch(envelopeName);
      expect(unexplainedDifferences(`schema-names-${mode}`, pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

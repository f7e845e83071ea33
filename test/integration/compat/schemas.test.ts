/**
 * envelope.schemas against Debezium 3.6.1 with JsonConverter schemas.enable=true: every key and
 * value is {schema, payload}; the schemas (semantic type names, optional flags, parameters,
 * defaults, field order, record names, versions) are compared member by member beside the
 * payloads. Defaults on the suite's tables (snapshot and streaming), then each group of
 * handling modes on the torture rows.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/schemas.test.ts
 */
import { createTestDatabase } from '../../infra/env';
import { splitSchema } from './compare';
import { MODE_GROUPS } from './mode-groups';
import { startPair, unexplainedDifferences } from './run-pair';
import { SUITE_TABLES, createTortureSchema, hasEnd, seedOthers, seedTorture, streamingWorkload } from './torture';

type Rec = { topic: string; value: unknown };
/** The records with schemas stripped, for the workload predicates. */
const payloads = (rs: readonly Rec[]): Rec[] => rs.map((r) => ({ topic: r.topic, value: splitSchema(r.value)[0] }));

describe('compat: walcast vs Debezium, schemas on', () => {
  it('defaults: snapshot and streaming give the same schemas and payloads', async () => {
    const db = await createTestDatabase('compat');
    await createTortureSchema(db);
    await seedTorture(db);
    await seedOthers(db);
    const pair = await startPair(db, { tables: SUITE_TABLES, schemas: true });
    try {
      await streamingWorkload(db);
      await pair.debezium.waitForRecords((rs) => hasEnd(payloads(rs)), 60_000);
      await pair.walcast.waitForRecords((rs) => hasEnd(payloads(rs)), 60_000);
      expect(unexplainedDifferences('schemas-defaults', pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });


  it.each(MODE_GROUPS)('$label: the torture rows give the same schemas and payloads', async ({ label, envelope, debezium }) => {
    const db = await createTestDatabase('compat');
    await createTortureSchema(db);
    await seedTorture(db);
    const pair = await startPair(db, { tables: ['public.torture'], envelope, debeziumProps: debezium, schemas: true });
    try {
      await seedTorture(db, [1, 2, 3, 4], 10);
      await db.query(`SELECT pg_logical_emit_message(true, 'compat', '\\x00ff'::bytea)`);
      const done = (rs: readonly Rec[]) => payloads(rs).some((r) => (r.value as { op?: string } | null)?.op === 'm');
      await pair.debezium.waitForRecords(done, 60_000);
      await pair.walcast.waitForRecords(done, 60_000);
      expect(unexplainedDifferences(`schemas-${label.replace(/[^a-z0-9]+/gi, '-')}`, pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });

  it('column controls and message key columns: the same key and value schemas', async () => {
    const db = await createTestDatabase('compat');
    await db.query(`CREATE TABLE public.people (
      id int NOT NULL, name varchar(40) NOT NULL DEFAULT 'anon', bio text, ssn text, secret text, age int DEFAULT 18, code char(3),
      region text, PRIMARY KEY (id, name))`);
    await db.query(`INSERT INTO public.people VALUES (1, 'Ann', 'Loves long walks', '123-45-6789', 's1', 41, 'abc', 'eu')`);
    const pair = await startPair(db, {
      tables: ['public.people'], schemas: true,
      envelope: {
        columnExclude: ['public.people.secret'], columnTruncate: ['public.people.bio=5'], columnMask: ['public.people.ssn=3'],
        columnMaskWithHash: ['public.people.code'], columnHashSalt: 'pepper', messageKeyColumns: ['public.people:region,id'],
      },
      debeziumProps: {
        'column.exclude.list': 'public.people.secret', 'column.truncate.to.5.chars': 'public.people.bio',
        'column.mask.with.3.chars': 'public.people.ssn', 'column.mask.hash.v2.SHA-256.with.salt.pepper': 'public.people.code',
        'message.key.columns': 'public.people:region,id',
      },
    });
    try {
      await db.query("INSERT INTO public.people VALUES (2, 'Bob', 'abcdef', '000', 'x', 1, 'xyz', NULL)");
      await db.query("UPDATE public.people SET bio = 'changed bio' WHERE id = 1");
      await db.query('DELETE FROM public.people WHERE id = 2');
      await db.query("INSERT INTO public.people (id, name, age) VALUES (4, 'Nul', NULL)"); // an explicit NULL in a column with a default
      await db.query("INSERT INTO public.people (id, region) VALUES (3, 'end')");
      const done = (rs: readonly Rec[]) => payloads(rs).some((r) => JSON.stringify(r.value).includes('"end"'));
      await pair.debezium.waitForRecords(done, 60_000);
      await pair.walcast.waitForRecords(done, 60_000);
      expect(unexplainedDifferences('schemas-columns', pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

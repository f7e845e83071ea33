/**
 * walcast against Debezium 3.6.1 with column controls, both configured the same way: column
 * exclude and include lists (a key column named in them too), truncation and masking of
 * character columns, through the snapshot and streaming (insert, update, delete, key change).
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/columns.test.ts
 */
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import { createTestDatabase } from '../../infra/env';
import { startPair, unexplainedDifferences } from './run-pair';

interface Group {
  readonly label: string;
  readonly envelope: Partial<EnvelopeOptions>;
  readonly debezium: Record<string, string>;
  /** Rows before start, so the snapshot is compared too. */
  readonly snapshot: boolean;
}

const GROUPS: readonly Group[] = [
  {
    label: 'column exclude, truncate, mask',
    envelope: { columnExclude: ['public.people.secret'], columnTruncate: ['public.people.bio=5'], columnMask: ['public.people.ssn=3', 'public.people.age=2'] },
    debezium: {
      'column.exclude.list': 'public.people.secret',
      'column.truncate.to.5.chars': 'public.people.bio',
      'column.mask.with.3.chars': 'public.people.ssn',
      'column.mask.with.2.chars': 'public.people.age',
    },
    snapshot: true,
  },
  {
    label: 'column include, truncate of a key and a char(n) column',
    envelope: { columnInclude: ['public.people.id', 'public.people.name', 'public.people.bio', 'public.people.code'], columnTruncate: ['public.people.name=2', 'public.people.code=1'] },
    debezium: {
      'column.include.list': 'public.people.id,public.people.name,public.people.bio,public.people.code',
      'column.truncate.to.2.chars': 'public.people.name',
      'column.truncate.to.1.chars': 'public.people.code',
    },
    snapshot: true,
  },
  {
    label: 'hash v2 with salt',
    envelope: { columnMaskWithHash: ['public.people.ssn', 'public.people.bio', 'public.people.name', 'public.people.code'], columnHashAlgorithm: 'SHA-256', columnHashSalt: 'CzQMA0cB5K' },
    debezium: { 'column.mask.hash.v2.SHA-256.with.salt.CzQMA0cB5K': 'public.people.ssn,public.people.bio,public.people.name,public.people.code' },
    snapshot: true,
  },
  // A key column left out of the value stays in the key. Streaming only: Debezium's snapshot
  // does not select such a column and writes its NOT NULL fallback (0, "") into the key, which
  // would give every row the same key; walcast keeps the real key (README, column controls).
  {
    label: 'key columns excluded and not included',
    envelope: { columnExclude: ['public.people.id', 'public.people.secret'] },
    debezium: { 'column.exclude.list': 'public.people.id,public.people.secret' },
    snapshot: false,
  },
];

type Rec = { value: unknown };
const opOf = (r: Rec) => (r.value as { op?: string } | null)?.op;

describe.each(GROUPS)('compat: walcast vs Debezium, $label', ({ label, envelope, debezium, snapshot }) => {
  it('gives the same records', async () => {
    const db = await createTestDatabase('compatcols');
    await db.query(`CREATE TABLE public.people (
      id int, name varchar(40), bio text, ssn text, secret text, age int, code char(3), PRIMARY KEY (id, name))`);
    if (snapshot) {
      await db.query(`INSERT INTO public.people VALUES
      (1, 'Ann', 'Loves long walks', '123-45-6789', 's1', 41, 'abc'),
      (2, 'Bob', NULL, NULL, NULL, NULL, NULL),
      (3, 'Émilie', 'Ünïcode 😀 bio', '😀😀😀😀', 's3', 7, 'é')`);
    }
    const pair = await startPair(db, { tables: ['public.people'], envelope, debeziumProps: debezium });
    try {
      if (!snapshot) {
        await db.query(`INSERT INTO public.people VALUES
          (1, 'Ann', 'Loves long walks', '123-45-6789', 's1', 41, 'abc'), (2, 'Bob', NULL, NULL, NULL, NULL, NULL), (3, 'Émilie', 'x', 'y', 's3', 7, 'é')`);
      }
      await db.query("INSERT INTO public.people VALUES (4, 'Dora', 'abcdef', '000', 'x', 1, 'xyz')");
      await db.query("UPDATE public.people SET bio = 'changed bio', ssn = '111' WHERE id = 1");
      await db.query("UPDATE public.people SET name = 'Bobby' WHERE id = 2");
      await db.query('DELETE FROM public.people WHERE id = 3');
      await db.query("INSERT INTO public.people VALUES (5, 'End', NULL, NULL, NULL, NULL, NULL)");
      // Dora, the create half of Bob's key change, End (the last change); and the first three when streamed.
      const done = (rs: readonly Rec[]) => rs.filter((r) => opOf(r) === 'c').length >= (snapshot ? 3 : 6);
      await pair.debezium.waitForRecords(done, 60_000);
      await pair.walcast.waitForRecords(done, 60_000);
      expect(unexplainedDifferences(label.replace(/[^a-z0-9]+/gi, '-'), pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

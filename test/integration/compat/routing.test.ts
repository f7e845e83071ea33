/**
 * walcast against Debezium 3.6.1 with skipped operations and logical-message prefix lists,
 * both configured the same way: inserts, updates, a key change, deletes (with tombstones), a
 * TRUNCATE and messages on several prefixes must give the same records.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/routing.test.ts
 */
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import { createTestDatabase } from '../../infra/env';
import { startPair, unexplainedDifferences } from './run-pair';

interface Group {
  readonly label: string;
  readonly envelope: Partial<EnvelopeOptions>;
  readonly debezium: Record<string, string>;
  /** What Debezium must (not) have emitted, so the case is known to exercise the setting. */
  readonly absentOps: readonly string[];
  readonly absentPrefixes: readonly string[];
}

// The readiness probes of both peers are logical messages: an include list must keep them.
const PROBE = 'walcast-debezium-probe';

const GROUPS: readonly Group[] = [
  {
    label: 'skipped u,t; message prefixes excluded',
    envelope: { skippedOperations: ['u', 't'], messagePrefixExclude: ['secret.*'] },
    debezium: { 'skipped.operations': 'u,t', 'message.prefix.exclude.list': 'secret.*' },
    absentOps: ['u', 't'],
    absentPrefixes: ['secret', 'secret.x'],
  },
  {
    label: 'skipped c,d; message prefixes included',
    envelope: { skippedOperations: ['c', 'd'], messagePrefixInclude: ['audit', `${PROBE}`, 'done'] },
    debezium: { 'skipped.operations': 'c,d', 'message.prefix.include.list': `audit,${PROBE},done` },
    absentOps: ['c', 'd'],
    absentPrefixes: ['secret', 'secret.x', 'audit.v2'],
  },
];

type Rec = { topic: string; value: unknown };
const opOf = (r: Rec) => (r.value as { op?: string } | null)?.op;
const prefixOf = (r: Rec) => (r.value as { message?: { prefix?: string } } | null)?.message?.prefix;

describe.each(GROUPS)('compat: walcast vs Debezium, $label', ({ label, envelope, debezium, absentOps, absentPrefixes }) => {
  it('gives the same records', async () => {
    const db = await createTestDatabase('compatroute');
    await db.query('CREATE TABLE public.items (id int PRIMARY KEY, v text NOT NULL)');
    await db.query("INSERT INTO public.items VALUES (1, 'one'), (2, 'two')");
    const pair = await startPair(db, { tables: ['public.items'], envelope, debeziumProps: debezium });
    try {
      await db.query("INSERT INTO public.items VALUES (3, 'three')");
      await db.query("UPDATE public.items SET v = 'uno' WHERE id = 1");
      await db.query('UPDATE public.items SET id = 20 WHERE id = 2');
      await db.query('DELETE FROM public.items WHERE id = 3');
      for (const p of ['audit', 'audit.v2', 'secret', 'secret.x']) await db.query('SELECT pg_logical_emit_message(true, $1, $2)', [p, `to ${p}`]);
      await db.query('TRUNCATE public.items');
      await db.query("INSERT INTO public.items VALUES (4, 'four')");
      await db.query("SELECT pg_logical_emit_message(true, 'done', 'end')");
      const done = (rs: readonly Rec[]) => rs.some((r) => prefixOf(r) === 'done');
      const dbz = await pair.debezium.waitForRecords(done, 60_000);
      await pair.walcast.waitForRecords(done, 60_000);
      for (const op of absentOps) expect(dbz.filter((r) => !r.topic.endsWith('.message') && opOf(r) === op)).toEqual([]);
      for (const p of absentPrefixes) expect(dbz.filter((r) => prefixOf(r) === p)).toEqual([]);
      expect(unexplainedDifferences(label.replace(/[^a-z0-9]+/gi, '-'), pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

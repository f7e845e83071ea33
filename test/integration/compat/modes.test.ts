/**
 * walcast against Debezium 3.6.1 under each value handling mode, both configured the same way:
 * the type-torture rows through the snapshot and through streaming (pgoutput). One Debezium JVM
 * per group of modes.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat
 */
import { createTestDatabase } from '../../infra/env';
import { MODE_GROUPS } from './mode-groups';
import { startPair, unexplainedDifferences } from './run-pair';
import { createTortureSchema, seedTorture } from './torture';


describe.each(MODE_GROUPS)('compat: walcast vs Debezium, $label', ({ label, envelope, debezium }) => {
  it('snapshot and streaming of the torture rows give the same records', async () => {
    const db = await createTestDatabase('compat');
    await createTortureSchema(db);
    await seedTorture(db);
    const pair = await startPair(db, { tables: ['public.torture'], envelope, debeziumProps: debezium });
    try {
      await seedTorture(db, [1, 2, 3, 4], 10);
      const done = (rs: ReadonlyArray<{ value: unknown }>) => rs.filter((r) => (r.value as { op?: string } | null)?.op === 'c').length >= 4;
      await pair.debezium.waitForRecords(done, 60_000);
      await pair.walcast.waitForRecords(done, 60_000);
      expect(unexplainedDifferences(label.replace(/[^a-z0-9]+/gi, '-'), pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

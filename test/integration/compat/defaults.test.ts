/**
 * walcast against Debezium 3.6.1 with default settings (decimal precise, time adaptive, binary
 * bytes, interval numeric), pgoutput: snapshot and streaming of the type-torture table, replica
 * identity DEFAULT and FULL, a primary-key change, unchanged TOAST, TRUNCATE, logical messages.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat
 */
import { createTestDatabase } from '../../infra/env';
import { startPair, unexplainedDifferences } from './run-pair';
import { SUITE_TABLES, createTortureSchema, hasEnd, seedOthers, seedTorture, streamingWorkload } from './torture';

describe('compat: walcast vs Debezium, defaults', () => {
  it('snapshot and streaming give the same records', async () => {
    const db = await createTestDatabase('compat');
    await createTortureSchema(db);
    await seedTorture(db);
    await seedOthers(db);
    const pair = await startPair(db, { tables: SUITE_TABLES });
    try {
      await streamingWorkload(db);
      await pair.debezium.waitForRecords(hasEnd, 60_000);
      await pair.walcast.waitForRecords(hasEnd, 60_000);
      expect(unexplainedDifferences('defaults', pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

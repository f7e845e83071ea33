/**
 * walcast on wal2json against Debezium 3.6.1 on pgoutput (Debezium 3 has no wal2json decoder):
 * the same workload as defaults.test.ts. What wal2json does not carry is listed below; every
 * other value must match.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat
 */
import { createTestDatabase } from '../../infra/env';
import type { Difference } from './compare';
import { startPair, unexplainedDifferences } from './run-pair';
import { SUITE_TABLES, createTortureSchema, hasEnd, seedOthers, seedTorture, streamingWorkload } from './torture';

/** What the wal2json plugin cannot carry (README "wal2json"). */
const WAL2JSON_LIMITS: ReadonlyArray<{ path: RegExp; record?: RegExp; walcast?: RegExp; reason: string }> = [
  {
    path: /^value\.(after|before)\.(c_float4|c_float8)$/, walcast: /^null$/,
    reason: 'wal2json 2.5 prints NaN and ±Infinity as JSON null',
  },
  {
    path: /^value\.message\.content$/,
    reason: 'wal2json writes a logical message\'s content as text: binary content is cut at the first NUL byte',
  },
  {
    path: /^value\.before\.id$/, record: /\.idx_ri /, walcast: /^null$/,
    reason: 'REPLICA IDENTITY USING INDEX: a wal2json delete carries the index columns only, so the primary key is unknown ' +
      '(Debezium writes its fallback 0 there)',
  },
  {
    path: /^value\.(after|before)\./, record: /\.toasty(_full)? /, walcast: /^\(absent\)$/,
    reason: 'wal2json leaves unchanged TOAST columns out of an UPDATE and sends a DELETE\'s identity only: when the ' +
      'first row walcast sees of a table is such a row, it cannot know the other columns (no Relation message)',
  },
];

function wal2jsonLimit(d: Difference): string | undefined {
  return WAL2JSON_LIMITS.find((l) => l.path.test(d.path) && (l.record === undefined || l.record.test(d.record)) &&
    (l.walcast === undefined || l.walcast.test(d.walcast)))?.reason;
}

describe('compat: walcast on wal2json vs Debezium on pgoutput, defaults', () => {
  it('snapshot and streaming give the same records, but for what wal2json does not carry', async () => {
    const db = await createTestDatabase('compat');
    await createTortureSchema(db);
    await seedTorture(db);
    await seedOthers(db);
    const pair = await startPair(db, { tables: SUITE_TABLES, plugin: 'wal2json' });
    try {
      await streamingWorkload(db);
      await pair.debezium.waitForRecords(hasEnd, 60_000);
      await pair.walcast.waitForRecords(hasEnd, 60_000);
      expect(unexplainedDifferences('wal2json', pair, wal2jsonLimit)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

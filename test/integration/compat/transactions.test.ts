/**
 * envelope.transactionMetadata against Debezium 3.6.1 with provide.transaction.metadata=true:
 * the BEGIN/END records on <prefix>.transaction (keys, ids, counts per table) and the
 * `transaction` block of every change event, over the suite's streaming workload (several
 * tables, key changes, truncate, logical messages in and outside a transaction).
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/transactions.test.ts
 */
import { createTestDatabase } from '../../infra/env';
import type { PeerOutput } from './compare';
import { startPair, unexplainedDifferences } from './run-pair';
import { SUITE_TABLES, createTortureSchema, hasEnd, seedOthers, seedTorture, streamingWorkload } from './torture';

interface TxValue { id?: string; source?: { txId?: number | null } }

/**
 * Both peers send readiness probes (logical messages in transactions of their own) and each sees
 * a different set of them: transaction records are compared for the transactions of the
 * compared change events only.
 */
function workloadTransactions<R extends PeerOutput>(records: R[]): R[] {
  const isTx = (r: R) => r.topic.endsWith('.transaction');
  // Change events only: a snapshot row's txId is the snapshot's xmax, which may be a probe's transaction.
  const changes = records.filter((r) => !isTx(r) && (r.value as { op?: string } | null)?.op !== 'r');
  const txIds = new Set(changes.map((r) => (r.value as TxValue | null)?.source?.txId).filter((t) => t != null).map(String));
  return records.filter((r) => !isTx(r) || txIds.has(String((r.value as TxValue).id).split(':')[0]!));
}

describe('compat: walcast vs Debezium, transaction metadata', () => {
  it('BEGIN/END records and transaction blocks are the same', async () => {
    const db = await createTestDatabase('compat');
    await createTortureSchema(db);
    await seedTorture(db);
    await seedOthers(db);
    const pair = await startPair(db, {
      tables: SUITE_TABLES, envelope: { transactionMetadata: true }, debeziumProps: { 'provide.transaction.metadata': 'true' },
    });
    try {
      await db.query(`BEGIN; INSERT INTO full_ri VALUES (7, 7, 'x', 1); INSERT INTO trunc VALUES (7, 'x'); INSERT INTO full_ri VALUES (8, 8, 'y', 2);
        INSERT INTO nokey VALUES (7, 'x'); INSERT INTO default_ri VALUES (7, 7, 'x', true, '2024-01-01', '2024-01-01', '2024-01-01+00', 1, '\\x01', NULL);
        COMMIT`);
      // (A logical message in a transaction with table changes is left out: Debezium lists its
      // data collection at a position that depends on a Java identity hash.)
      await streamingWorkload(db);
      // The END of the last transaction follows its event: wait for it on both sides.
      const ended = (rs: ReadonlyArray<{ topic: string; value: unknown }>) => hasEnd(rs) &&
        (rs.at(-1)?.value as { status?: string } | null)?.status === 'END';
      await pair.debezium.waitForRecords(ended, 60_000);
      await pair.walcast.waitForRecords(ended, 60_000);
      const txRecords = workloadTransactions(pair.walcast.records()).filter((r) => r.topic.endsWith('.transaction'));
      expect(txRecords.length).toBeGreaterThan(20); // the comparison below has BEGIN/END pairs to compare
      expect(unexplainedDifferences('transactions', pair, undefined, workloadTransactions)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

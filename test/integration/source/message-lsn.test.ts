/**
 * What the exactly-once skip rule (pipeline/open-tx.ts) assumes of PostgreSQL: a
 * non-transactional logical message carries its record's END as its LSN, so a transaction whose
 * COMMIT record directly follows the message has a commit LSN (pgoutput Begin.final_lsn) equal
 * to the message's LSN. The skip rule after a committed message must then keep that
 * transaction (it came after the message) — `<=` skipped it.
 */
import { decodePgoutputMessage } from '../../../connector/decode/pgoutput';
import { createTestDatabase, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { quoteIdent } from '../../../connector/source/sql';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('msglsn'); });

it('a non-transactional message emitted just before COMMIT ends where the commit record starts', async () => {
  const slot = uniqueName('msglsn_slot');
  const publication = uniqueName('msglsn_pub');
  await db.query(`CREATE TABLE m (id int PRIMARY KEY); CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE m;`);
  await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  try {
    // One session, nothing else writing WAL in between: the message record, then the commit record.
    await db.query(`BEGIN; INSERT INTO m VALUES (1); SELECT pg_logical_emit_message(false, 'walcast', 'x'); COMMIT;`);
    const rows = await db.query<{ data: Buffer }>(
      `SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2, 'messages', 'true')`,
      [slot, publication]);
    const decoded = rows.map((r) => decodePgoutputMessage(r.data));
    const message = decoded.find((d) => d.tag === 'message');
    const begin = decoded.find((d) => d.tag === 'begin');
    if (message?.tag !== 'message' || begin?.tag !== 'begin') throw new Error(`no message or begin: ${decoded.map((d) => d.tag).join(',')}`);
    expect(message.transactional).toBe(false);
    // The message is decoded first (non-transactional: at its record), the transaction at its commit.
    expect(decoded.indexOf(message)).toBeLessThan(decoded.indexOf(begin));
    expect(begin.finalLsn).toBe(message.lsn);
  } finally {
    await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
  }
});

#!/usr/bin/env node
/*
 * Records real pgoutput proto_version 2 output with `streaming 'on'` (in-progress transactions)
 * into test/fixtures/pgoutput/streamed.bin, with streamed.json describing it.
 *
 * logical_decoding_work_mem is set to its minimum (64kB) in the recording session: with the SQL
 * interface the decoding runs in that session, so the server streams the large transactions
 * below instead of keeping them until their commit. Two sessions interleave:
 *   A: BEGIN; 300 rows (1..300); SAVEPOINT a; 300 rows (301..600); ROLLBACK TO a;
 *      SAVEPOINT b; 10 rows (601..610); RELEASE b;           ... committed last
 *   B: BEGIN; 300 rows (1001..1300)                          ... committed first
 *   C: one row (2001), autocommit, between B's and A's commits (an ordinary transaction)
 *   D: BEGIN; 300 rows (3001..3300); ROLLBACK                 ... after A's commit
 * Committed rows in commit order: 1001..1300, 2001, 1..300, 601..610.
 * Rows carry a 200-character pad so that a few hundred pass 64kB.
 *
 * .bin layout as record-pgoutput-fixtures.js: repeated UInt64BE lsn, UInt32BE length, message.
 * Usage: node scripts/record-pgoutput-stream-fixture.js <postgres url>  (PostgreSQL 14+,
 * wal_level=logical, a free slot). Creates and drops schema pgofix_s, its publication and slot.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { Client } = require('pg');

const OUT_DIR = path.join(__dirname, '..', 'test', 'fixtures', 'pgoutput');
const SLOT = 'pgofix_stream_slot';
const PUB = 'pgofix_stream_pub';
const rows = (from, to) => `INSERT INTO pgofix_s.t SELECT g, repeat('x', 200) FROM generate_series(${from}, ${to}) g`;

async function main() {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write('usage: node scripts/record-pgoutput-stream-fixture.js <postgres url>\n');
    process.exit(1);
  }
  const [a, b, c] = [new Client({ connectionString: url }), new Client({ connectionString: url }), new Client({ connectionString: url })];
  await Promise.all([a.connect(), b.connect(), c.connect()]);
  try {
    await c.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [SLOT]);
    await c.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
    await c.query('DROP SCHEMA IF EXISTS pgofix_s CASCADE');
    await c.query('CREATE SCHEMA pgofix_s');
    await c.query('CREATE TABLE pgofix_s.t (id int4 PRIMARY KEY, pad text)');
    await c.query(`CREATE PUBLICATION ${PUB} FOR TABLE pgofix_s.t`);
    await c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [SLOT]);

    await a.query('BEGIN');
    await a.query(rows(1, 300));
    await b.query('BEGIN');
    await b.query(rows(1001, 1300));
    await a.query('SAVEPOINT a');
    await a.query(rows(301, 600));
    await a.query('ROLLBACK TO SAVEPOINT a');
    await a.query('SAVEPOINT b');
    await a.query(rows(601, 610));
    await a.query('RELEASE SAVEPOINT b');
    await b.query('COMMIT');
    await c.query(`INSERT INTO pgofix_s.t VALUES (2001, 'c')`);
    await a.query('COMMIT');
    await b.query('BEGIN');
    await b.query(rows(3001, 3300));
    await b.query('ROLLBACK');
    await c.query('CHECKPOINT');

    await c.query(`SET logical_decoding_work_mem = '64kB'`);
    const res = await c.query(
      `SELECT lsn::text AS lsn, data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL,
         'proto_version', '2', 'publication_names', $2, 'messages', 'true', 'streaming', 'on')`,
      [SLOT, `"${PUB}"`],
    );
    const parts = [];
    for (const row of res.rows) {
      const head = Buffer.alloc(12);
      const [hi, lo] = row.lsn.split('/');
      head.writeBigUInt64BE((BigInt('0x' + hi) << 32n) | BigInt('0x' + lo), 0);
      head.writeUInt32BE(row.data.length, 8);
      parts.push(head, row.data);
    }
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, 'streamed.bin'), Buffer.concat(parts));
    const version = (await c.query('SHOW server_version')).rows[0].server_version;
    const tags = {};
    for (const r of res.rows) { const t = String.fromCharCode(r.data[0]); tags[t] = (tags[t] || 0) + 1; }
    fs.writeFileSync(path.join(OUT_DIR, 'streamed.json'), JSON.stringify({
      recordedWith: `PostgreSQL ${version}, pgoutput proto_version 2, streaming on, messages true, logical_decoding_work_mem 64kB`,
      format: 'repeated: UInt64BE lsn, UInt32BE length, message bytes',
      committedInOrder: '1001..1300, 2001, 1..300, 601..610',
      messages: res.rows.length,
      tags,
    }, null, 2) + '\n');
    process.stdout.write(`streamed.bin: ${res.rows.length} messages ${JSON.stringify(tags)}\n`);
    await c.query(`SELECT pg_drop_replication_slot($1)`, [SLOT]);
    await c.query(`DROP PUBLICATION ${PUB}`);
    await c.query('DROP SCHEMA pgofix_s CASCADE');
  } finally {
    await Promise.all([a.end(), b.end(), c.end()]);
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});

#!/usr/bin/env node
/*
 * Records real wal2json (format-version 2) output from a running PostgreSQL into
 * test/fixtures/wal2json/, together with what pgoutput reports for the SAME WAL (a second slot
 * created at the same point): Begin.final_lsn, Commit.commit_lsn / end_lsn and commit time per
 * xid. The unit tests decode the wal2json text and check that the transaction LSNs match
 * pgoutput's exactly, because deterministic event ids (`<commit_lsn>:<index>`) are built on them.
 *
 * Usage: node scripts/record-wal2json-fixtures.js postgres://postgres@127.0.0.1:5432/postgres
 * Needs wal_level=logical, wal2json installed, two free replication slots. Creates and drops its
 * own tables, publication and slots (names start with w2jfix).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { Client } = require('pg');

const OUT_DIR = path.join(__dirname, '..', 'test', 'fixtures', 'wal2json');
const W2J_SLOT = 'w2jfix_wal2json';
const W2J_FILTERED_SLOT = 'w2jfix_wal2json_filtered';
const PGO_SLOT = 'w2jfix_pgoutput';
const PUB = 'w2jfix_pub';

// The options the decoder sends (connector/decode/wal2json/options.ts), as SQL arguments.
const W2J_OPTIONS = [
  ['format-version', '2'],
  ['include-transaction', '1'],
  ['include-xids', '1'],
  ['include-timestamp', '1'],
  ['include-lsn', '1'],
  ['include-schemas', '1'],
  ['include-types', '1'],
  ['include-typmod', '1'],
  ['include-type-oids', '1'],
  ['include-pk', '1'],
];
// add-tables for the filtered capture: wal2json's own escaping (backslash before , . * space).
// Must equal what startOptions() builds for [w2jfix."Order Items", w2jfix.composite].
const ADD_TABLES = 'w2jfix.Order\\ Items,w2jfix.composite';

const SETUP = [
  'DROP SCHEMA IF EXISTS w2jfix CASCADE',
  'CREATE SCHEMA w2jfix',
  `CREATE TABLE w2jfix.types (
     id int8 PRIMARY KEY, i8 int8, num numeric, f8 float8, f4 float4, b bool, t text, by bytea,
     u uuid, j jsonb, ts timestamptz, ia int4[], ta text[], n numeric(12,3), vc varchar(20), i2 int2)`,
  'CREATE TABLE w2jfix.composite (a int4, b text, v text, PRIMARY KEY (a, b))',
  'CREATE TABLE w2jfix."Order Items" (id int4 PRIMARY KEY, qty int4)',
  'CREATE TABLE w2jfix.full_ident (id int4, v text)',
  'ALTER TABLE w2jfix.full_ident REPLICA IDENTITY FULL',
  'CREATE TABLE w2jfix.docs (id int4 PRIMARY KEY, big text, small int4)',
  'CREATE TABLE w2jfix.evolve (id int4 PRIMARY KEY, a text)',
  `CREATE PUBLICATION ${PUB} FOR TABLE w2jfix.types, w2jfix.composite, w2jfix."Order Items",
     w2jfix.full_ident, w2jfix.docs, w2jfix.evolve`,
];

// Each entry is one transaction (an array = one multi-statement transaction).
const WORKLOAD = [
  `INSERT INTO w2jfix.types VALUES (1, 9007199254740993, 12345678901234567890.123456789012345678901,
     'NaN', 'Infinity', true, 'he said "hi" \\ ünïcødé ✓ 😀', '\\xdeadbeef00',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": [1, 2.50, "x"], "big": 12345678901234567890}',
     '2024-02-29 23:59:59.123456+00', '{1,NULL,3}', '{"a b","c,d",NULL}', 3.14159, 'short', -32768)`,
  `INSERT INTO w2jfix.types VALUES (2, -9223372036854775808, 'NaN', '-Infinity', '-Infinity', false,
     '', '\\x', '00000000-0000-0000-0000-000000000000', 'null', '-infinity', '{}', '{}', -0.5, NULL, NULL)`,
  `INSERT INTO w2jfix.types (id, f8, num) VALUES (3, 1e-300, 1.0E+2)`,
  [
    `INSERT INTO w2jfix.composite VALUES (1, 'x', 'one'), (2, 'y', 'two')`,
    `UPDATE w2jfix.composite SET v = 'uno' WHERE a = 1`,
    `UPDATE w2jfix.composite SET b = 'z' WHERE a = 2`,
    `DELETE FROM w2jfix.composite WHERE a = 1`,
    `INSERT INTO w2jfix."Order Items" VALUES (10, 5)`,
    `SELECT pg_logical_emit_message(true, 'walcast', 'in txn "quoted" ü')`,
  ],
  `SELECT pg_logical_emit_message(false, 'walcast', 'not transactional')`,
  `INSERT INTO w2jfix.full_ident VALUES (1, 'a'), (2, 'b')`,
  `UPDATE w2jfix.full_ident SET v = 'aa' WHERE id = 1`,
  `DELETE FROM w2jfix.full_ident WHERE id = 2`,
  // 400 md5 hex strings: 12800 bytes that pglz cannot compress, so the value is stored out of line.
  `INSERT INTO w2jfix.docs SELECT 1, string_agg(md5(i::text), '' ORDER BY i), 1 FROM generate_series(1, 400) i`,
  `UPDATE w2jfix.docs SET small = 2 WHERE id = 1`,
  `DELETE FROM w2jfix.docs WHERE id = 1`,
  `INSERT INTO w2jfix.evolve VALUES (1, 'before')`,
  `ALTER TABLE w2jfix.evolve ADD COLUMN b int8 DEFAULT 7`,
  `INSERT INTO w2jfix.evolve VALUES (2, 'after', 8)`,
  `UPDATE w2jfix.evolve SET a = 'changed' WHERE id = 1`,
  `TRUNCATE w2jfix.composite, w2jfix."Order Items"`,
  `TRUNCATE w2jfix.evolve RESTART IDENTITY CASCADE`,
  [
    `INSERT INTO w2jfix."Order Items" VALUES (11, 1)`,
    `INSERT INTO w2jfix.composite VALUES (3, 'w', 'three')`,
    `UPDATE w2jfix."Order Items" SET qty = qty + 1`,
    `DELETE FROM w2jfix."Order Items"`,
  ],
];

function optionArgs(options) {
  return options.map(([k, v]) => `, '${k}', '${v.replace(/'/g, "''")}'`).join('');
}

function readPgoutput(rows) {
  // pgoutput protocol v1: 'B' Int64 final_lsn @1, Int64 commit time @9, Int32 xid @17;
  // 'C' Int8 flags @1, Int64 commit lsn @2, Int64 end lsn @10, Int64 commit time @18.
  const txns = [];
  let open = null;
  for (const row of rows) {
    const b = row.data;
    const tag = String.fromCharCode(b[0]);
    if (tag === 'B') {
      open = { xid: b.readUInt32BE(17), finalLsn: b.readBigUInt64BE(1).toString(), beginTimeUs: b.readBigInt64BE(9).toString() };
    } else if (tag === 'C') {
      txns.push({ ...open, commitLsn: b.readBigUInt64BE(2).toString(), endLsn: b.readBigUInt64BE(10).toString(), commitTimeUs: b.readBigInt64BE(18).toString() });
      open = null;
    }
  }
  return txns;
}

async function main() {
  const url = process.argv[2];
  if (!url) {
    console.error('usage: record-wal2json-fixtures.js <postgres url>');
    process.exit(1);
  }
  const c = new Client({ connectionString: url });
  await c.connect();
  const dropSlots = async () => {
    for (const s of [W2J_SLOT, W2J_FILTERED_SLOT, PGO_SLOT]) {
      await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [s]);
    }
  };
  try {
    await dropSlots();
    await c.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
    for (const sql of SETUP) await c.query(sql);
    // All three slots start at (practically) the same point; transactions committed before a
    // slot's consistent point are not decoded by it, and none are committed in between.
    await c.query(`SELECT pg_create_logical_replication_slot('${PGO_SLOT}', 'pgoutput')`);
    await c.query(`SELECT pg_create_logical_replication_slot('${W2J_SLOT}', 'wal2json')`);
    await c.query(`SELECT pg_create_logical_replication_slot('${W2J_FILTERED_SLOT}', 'wal2json')`);
    for (const tx of WORKLOAD) {
      const stmts = Array.isArray(tx) ? tx : [tx];
      if (stmts.length > 1) await c.query('BEGIN');
      for (const s of stmts) await c.query(s);
      if (stmts.length > 1) await c.query('COMMIT');
    }
    // The walsender prints commit timestamps and timestamptz values in the session TimeZone;
    // a non-UTC zone with a half-hour offset checks the decoder's offset handling.
    await c.query(`SET TimeZone = 'Asia/Kolkata'`);
    const peek = async (slot, extra) => (await c.query(
      `SELECT lsn::text AS lsn, xid::text AS xid, data FROM pg_logical_slot_peek_changes('${slot}', NULL, NULL${optionArgs([...W2J_OPTIONS, ...extra])})`)).rows;
    const all = await peek(W2J_SLOT, []);
    const filtered = await peek(W2J_FILTERED_SLOT, [['add-tables', ADD_TABLES]]);
    const pgo = readPgoutput((await c.query(
      `SELECT lsn, xid, data FROM pg_logical_slot_peek_binary_changes('${PGO_SLOT}', NULL, NULL, 'proto_version', '1', 'publication_names', '${PUB}', 'messages', 'true')`)).rows);
    const version = (await c.query('SHOW server_version')).rows[0].server_version;
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const meta = { recordedBy: 'scripts/record-wal2json-fixtures.js', serverVersion: version, timeZone: 'Asia/Kolkata', options: W2J_OPTIONS };
    fs.writeFileSync(path.join(OUT_DIR, 'workload.json'), JSON.stringify({ ...meta, setup: SETUP, workload: WORKLOAD, messages: all, pgoutput: pgo }, null, 1) + '\n');
    fs.writeFileSync(path.join(OUT_DIR, 'filtered.json'), JSON.stringify({ ...meta, addTables: ADD_TABLES, messages: filtered }, null, 1) + '\n');
    console.log(`wal2json: ${all.length} messages (${filtered.length} filtered), pgoutput: ${pgo.length} transactions -> ${OUT_DIR}`);
  } finally {
    await dropSlots();
    await c.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
    await c.query('DROP SCHEMA IF EXISTS w2jfix CASCADE');
    await c.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});

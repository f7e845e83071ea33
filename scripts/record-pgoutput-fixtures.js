#!/usr/bin/env node
/*
 * Records real pgoutput (proto_version 1, messages on) output from a running PostgreSQL into
 * test/fixtures/pgoutput/: one <scenario>.bin per scenario plus index.json describing each.
 *
 * Each scenario runs its SQL, then consumes the slot with pg_logical_slot_get_binary_changes,
 * so every file starts with a fresh decoding session (Relation messages included) and holds
 * exactly that scenario's messages.
 *
 * .bin layout, repeated to end of file:  UInt64 BE lsn  UInt32 BE length  Byte(length) message
 * (the message is what the walsender would put in XLogData's data; lsn is the row's `lsn`.)
 *
 * Usage: node scripts/record-pgoutput-fixtures.js postgres://postgres@/postgres?host=/tmp/dir&port=5432
 * Needs wal_level=logical and a free replication slot. Creates and drops its own schema
 * (pgofix), publication and slot. The session runs with TimeZone=UTC (text output of
 * timestamptz depends on it; the unit tests expect UTC).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { Client } = require('pg');

const OUT_DIR = path.join(__dirname, '..', 'test', 'fixtures', 'pgoutput');
const SLOT = 'pgofix_slot';
const PUB = 'pgofix_pub';

const SETUP = [
  'DROP SCHEMA IF EXISTS pgofix CASCADE',
  'CREATE SCHEMA pgofix',
  `CREATE TABLE pgofix.types (
     id int4 PRIMARY KEY, i2 int2, i8 int8, num numeric(25,5), num_any numeric, t text, b bool,
     f8 float8, f4 float4, by bytea, u uuid, j jsonb, d date, ts timestamptz, ia int4[], ta text[])`,
  'CREATE TABLE pgofix.composite (a int4, b text, v text, PRIMARY KEY (a, b))',
  'CREATE TABLE pgofix."Order Items" (id int4 PRIMARY KEY, qty int4)',
  'CREATE TABLE pgofix.full_ident (id int4, v text)',
  'ALTER TABLE pgofix.full_ident REPLICA IDENTITY FULL',
  'CREATE TABLE pgofix.by_index (id int4 NOT NULL, code text NOT NULL, v text)',
  'CREATE UNIQUE INDEX by_index_code ON pgofix.by_index (code)',
  'ALTER TABLE pgofix.by_index REPLICA IDENTITY USING INDEX by_index_code',
  'CREATE TABLE pgofix.docs (id int4 PRIMARY KEY, big text, small int4)',
  'CREATE TABLE pgofix.evolve (id int4 PRIMARY KEY, a text)',
  'CREATE TABLE pgofix.parent (id serial PRIMARY KEY)',
  'CREATE TABLE pgofix.child (id int4 PRIMARY KEY, parent_id int4 REFERENCES pgofix.parent (id))',
  `CREATE PUBLICATION ${PUB} FOR ALL TABLES`,
];

// Each scenario: a list of transactions; a transaction is one statement or an array of them.
const SCENARIOS = [
  {
    name: 'types',
    description: 'one row per interesting value set in pgofix.types (relation + 3 inserts, 3 txns)',
    txns: [
      `INSERT INTO pgofix.types VALUES (1, -32768, 9223372036854775807, 12345678901234567890.12345,
         123.450, 'he said "hi" \\ ünïcødé ✓ 😀' || chr(10) || 'line2', true, 'NaN', 'Infinity',
         '\\xdeadbeef00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": [1, 2.50, "x"], "a": null}',
         '2024-02-29', '2024-02-29 23:59:59.123456+00', '{1,NULL,3}', '{"a b","c,d",NULL,"q\\"x"}')`,
      `INSERT INTO pgofix.types VALUES (2, 0, -9223372036854775808, -0.5, 'NaN', '', false,
         '-Infinity', '-Infinity', '\\x', '00000000-0000-0000-0000-000000000000', 'null',
         '-infinity', 'infinity', '{}', '{}')`,
      'INSERT INTO pgofix.types (id) VALUES (3)',
    ],
  },
  {
    name: 'composite-key',
    description: 'composite PK (a,b): insert 2, update non-key, update key (old K), delete (old K)',
    txns: [
      `INSERT INTO pgofix.composite VALUES (1, 'x', 'one'), (2, 'y', 'two')`,
      `UPDATE pgofix.composite SET v = 'uno' WHERE a = 1`,
      `UPDATE pgofix.composite SET b = 'z' WHERE a = 2`,
      `DELETE FROM pgofix.composite WHERE a = 1`,
    ],
  },
  {
    name: 'order-items',
    description: 'table named "Order Items": insert, update, delete',
    txns: [
      'INSERT INTO pgofix."Order Items" VALUES (10, 5)',
      'UPDATE pgofix."Order Items" SET qty = 6 WHERE id = 10',
      'DELETE FROM pgofix."Order Items" WHERE id = 10',
    ],
  },
  {
    name: 'replica-identity',
    description: 'REPLICA IDENTITY FULL (old O on update/delete) and USING INDEX (flags on code only)',
    txns: [
      `INSERT INTO pgofix.full_ident VALUES (1, 'a'), (2, NULL)`,
      `UPDATE pgofix.full_ident SET v = 'aa' WHERE id = 1`,
      'DELETE FROM pgofix.full_ident WHERE id = 2',
      `INSERT INTO pgofix.by_index VALUES (1, 'c1', 'v1')`,
      `UPDATE pgofix.by_index SET code = 'c2' WHERE id = 1`,
      'DELETE FROM pgofix.by_index WHERE id = 1',
    ],
  },
  {
    name: 'toast',
    description: 'out-of-line TOASTed text (12800 incompressible bytes); update of another column sends u',
    txns: [
      // 400 md5 hex strings: pglz cannot shrink them below the 2 kB TOAST threshold.
      `INSERT INTO pgofix.docs SELECT 1, string_agg(md5(i::text), '' ORDER BY i), 1 FROM generate_series(1, 400) i`,
      'UPDATE pgofix.docs SET small = 2 WHERE id = 1',
      'DELETE FROM pgofix.docs WHERE id = 1',
    ],
  },
  {
    name: 'alter-columns',
    description: 'insert, ADD COLUMN b int8, insert, DROP COLUMN a, insert: Relation re-sent each time',
    txns: [
      `INSERT INTO pgofix.evolve VALUES (1, 'first')`,
      'ALTER TABLE pgofix.evolve ADD COLUMN b int8',
      `INSERT INTO pgofix.evolve VALUES (2, 'second', 22)`,
      'ALTER TABLE pgofix.evolve DROP COLUMN a',
      'INSERT INTO pgofix.evolve VALUES (3, 33)',
    ],
  },
  {
    name: 'truncate',
    description: 'TRUNCATE parent, child RESTART IDENTITY CASCADE; then TRUNCATE "Order Items"',
    txns: [
      'INSERT INTO pgofix.parent DEFAULT VALUES',
      'TRUNCATE pgofix.parent, pgofix.child RESTART IDENTITY CASCADE',
      'TRUNCATE pgofix."Order Items"',
    ],
  },
  {
    name: 'messages',
    description: 'transactional message inside a txn, then a non-transactional one with binary content',
    txns: [
      [`SELECT pg_logical_emit_message(true, 'walcast', 'in txn "quoted" ü')`,
        `INSERT INTO pgofix."Order Items" VALUES (20, 1)`],
      `SELECT pg_logical_emit_message(false, 'walcast.nt', '\\x00ff0a'::bytea)`,
    ],
  },
  {
    name: 'multi-statement',
    description: 'one transaction touching three tables: insert, insert, update, delete',
    txns: [
      [`INSERT INTO pgofix.composite VALUES (7, 'm', 'seven')`,
        `INSERT INTO pgofix."Order Items" VALUES (30, 3)`,
        `UPDATE pgofix.composite SET v = 'SEVEN' WHERE a = 7`,
        'DELETE FROM pgofix."Order Items" WHERE id = 30'],
    ],
  },
];

async function main() {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write('usage: node scripts/record-pgoutput-fixtures.js <postgres url>\n');
    process.exit(1);
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET TimeZone = 'UTC'`);
    await client.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [SLOT]);
    await client.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
    for (const sql of SETUP) await client.query(sql);
    await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [SLOT]);
    const version = (await client.query('SHOW server_version')).rows[0].server_version;
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const index = {
      recordedWith: `PostgreSQL ${version}, pgoutput proto_version 1, messages true, TimeZone UTC`,
      format: 'repeated: UInt64BE lsn, UInt32BE length, message bytes',
      setup: SETUP,
      scenarios: [],
    };
    for (const sc of SCENARIOS) {
      for (const txn of sc.txns) {
        if (Array.isArray(txn)) {
          await client.query('BEGIN');
          for (const sql of txn) await client.query(sql);
          await client.query('COMMIT');
        } else {
          await client.query(txn);
        }
      }
      // The SQL interface decodes only flushed WAL; a lone non-transactional message is written
      // without a flush, so force one (a checkpoint produces no pgoutput messages).
      await client.query('CHECKPOINT');
      const res = await client.query(
        `SELECT lsn::text AS lsn, data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL,
           'proto_version', '1', 'publication_names', $2, 'messages', 'true')`,
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
      const file = `${sc.name}.bin`;
      fs.writeFileSync(path.join(OUT_DIR, file), Buffer.concat(parts));
      index.scenarios.push({
        file, description: sc.description, txns: sc.txns,
        messages: res.rows.map((r) => `${r.lsn} ${String.fromCharCode(r.data[0])}`),
      });
      process.stdout.write(`${file}: ${res.rows.length} messages\n`);
    }
    fs.writeFileSync(path.join(OUT_DIR, 'index.json'), JSON.stringify(index, null, 2) + '\n');
    await client.query(`SELECT pg_drop_replication_slot($1)`, [SLOT]);
    await client.query(`DROP PUBLICATION ${PUB}`);
    await client.query('DROP SCHEMA pgofix CASCADE');
  } finally {
    await client.end();
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});

/**
 * The type-torture schema and workload the comparison suite runs through walcast and Debezium.
 * Row 1 holds ordinary values, row 2 edge values, row 3 NULLs, row 4 pre-1970 / negative values.
 */
import type { TestDatabase } from '../../infra/env';

/** Column name -> type. Arrays and extension types included. */
export const TORTURE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['c_bool', 'boolean'], ['c_int2', 'smallint'], ['c_int4', 'integer'], ['c_int8', 'bigint'],
  ['c_float4', 'real'], ['c_float8', 'double precision'],
  ['c_numeric', 'numeric'], ['c_numeric_10_2', 'numeric(10,2)'], ['c_numeric_5_0', 'numeric(5,0)'],
  ['c_money', 'money'],
  ['c_text', 'text'], ['c_varchar', 'varchar(20)'], ['c_bpchar', 'char(5)'], ['c_char', '"char"'], ['c_name', 'name'],
  ['c_bytea', 'bytea'], ['c_bit1', 'bit(1)'], ['c_bit5', 'bit(5)'], ['c_varbit', 'varbit'],
  ['c_date', 'date'], ['c_time', 'time'], ['c_time3', 'time(3)'], ['c_timetz', 'timetz'],
  ['c_ts', 'timestamp'], ['c_ts3', 'timestamp(3)'], ['c_tstz', 'timestamptz'], ['c_interval', 'interval'],
  ['c_uuid', 'uuid'], ['c_json', 'json'], ['c_jsonb', 'jsonb'], ['c_xml', 'xml'],
  ['c_inet', 'inet'], ['c_cidr', 'cidr'], ['c_macaddr', 'macaddr'], ['c_macaddr8', 'macaddr8'],
  ['c_point', 'point'], ['c_box', 'box'], ['c_circle', 'circle'], ['c_line', 'line'], ['c_lseg', 'lseg'],
  ['c_path', 'path'], ['c_polygon', 'polygon'],
  ['c_int4range', 'int4range'], ['c_int8range', 'int8range'], ['c_numrange', 'numrange'],
  ['c_tsrange', 'tsrange'], ['c_tstzrange', 'tstzrange'], ['c_daterange', 'daterange'], ['c_int4multirange', 'int4multirange'],
  ['c_tsvector', 'tsvector'], ['c_tsquery', 'tsquery'], ['c_pg_lsn', 'pg_lsn'], ['c_oid', 'oid'],
  ['c_enum', 'mood'], ['c_dom_int', 'posint'], ['c_dom_text', 'shorttext'], ['c_composite', 'pair'],
  ['c_hstore', 'hstore'], ['c_ltree', 'ltree'], ['c_citext', 'citext'], ['c_cube', 'cube'],
  ['a_int2', 'smallint[]'], ['a_int4', 'integer[]'], ['a_int8', 'bigint[]'], ['a_float4', 'real[]'], ['a_float8', 'double precision[]'],
  ['a_numeric', 'numeric[]'], ['a_bool', 'boolean[]'], ['a_text', 'text[]'], ['a_varchar', 'varchar[]'], ['a_bpchar', 'char(2)[]'],
  ['a_date', 'date[]'], ['a_time', 'time[]'], ['a_ts', 'timestamp[]'], ['a_tstz', 'timestamptz[]'], ['a_interval', 'interval[]'],
  ['a_uuid', 'uuid[]'], ['a_bytea', 'bytea[]'], ['a_json', 'json[]'], ['a_jsonb', 'jsonb[]'], ['a_inet', 'inet[]'],
  ['a_int4_2d', 'integer[][]'], ['a_enum', 'mood[]'], ['a_citext', 'citext[]'], ['a_ltree', 'ltree[]'], ['a_money', 'money[]'],
];

const SETUP = `
  CREATE EXTENSION IF NOT EXISTS hstore; CREATE EXTENSION IF NOT EXISTS ltree; CREATE EXTENSION IF NOT EXISTS citext;
  CREATE EXTENSION IF NOT EXISTS cube;
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
  CREATE DOMAIN shorttext AS varchar(10);
  CREATE TYPE pair AS (a integer, b text);
`;

/** Rows as SQL literal lists, in TORTURE_COLUMNS order. */
const ORDINARY = [
  'true', '1', '2', '3', '1.5', '3', '12.3400', '12.34', '12345', '12.34',
  `'hello'`, `'varchar'`, `'ab'`, `'x'`, `'a_name'`,
  `'\\x0102fe'`, `B'1'`, `B'10110'`, `B'1011'`,
  `'2024-02-29'`, `'13:14:15.123456'`, `'13:14:15.123'`, `'13:14:15.5+05:30'`,
  `'2024-02-29 13:14:15.123456'`, `'2024-02-29 13:14:15.123'`, `'2024-02-29 13:14:15+02'`, `'1 year 2 mons 3 days 04:05:06.78'`,
  `'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'`, `'{"a": [1, 2.0]}'`, `'{"b": 1, "a": 2}'`, `'<a>x</a>'`,
  `'192.168.0.1/24'`, `'10.0.0.0/8'`, `'08:00:2b:01:02:03'`, `'08:00:2b:01:02:03:04:05'`,
  `'(1.5,2)'`, `'((0,0),(1,1))'`, `'<(1,2),3>'`, `'{1,-1,0}'`, `'[(0,0),(1,1)]'`,
  `'((0,0),(1,1),(2,0))'`, `'((0,0),(1,1),(1,0))'`,
  `'[1,5)'`, `'[10,20]'`, `'(1.5,2.5]'`,
  `'[2024-01-01 00:00,2024-01-02 00:00)'`, `'[2024-01-01 00:00+00,2024-01-02 00:00+00)'`, `'[2024-01-01,2024-02-01)'`, `'{[1,3),[5,7)}'`,
  `'a fat cat'`, `'fat & cat'`, `'16/B374D848'`, '12345',
  `'happy'`, '7', `'short'`, `ROW(1, 'one')`,
  `'a=>1, b=>NULL'`, `'top.middle.leaf'`, `'CaseLess'`, `'(1,2)'`,
  `'{1,2}'`, `'{1,NULL,3}'`, `'{9223372036854775807}'`, `'{1.5,NaN}'`, `'{2.25,-Infinity}'`,
  `'{1.10,NaN}'`, `'{t,f,NULL}'`, `'{"a b","c,d","",NULL,"x\\"y"}'`, `'{v1,v2}'`, `'{ab,c}'`,
  `'{2024-01-01,infinity}'`, `'{12:00:00}'`, `'{"2024-01-01 00:00:00.5"}'`, `'{"2024-01-01 00:00:00+00"}'`, `'{"1 day","-02:00:00"}'`,
  `'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'`, `'{"\\\\x01",NULL}'`, `ARRAY['{"a":1}']::json[]`, `ARRAY['{"b":2}']::jsonb[]`, `'{10.0.0.1}'`,
  `'{{1,2},{3,4}}'`, `'{sad,happy}'`, `'{Ab,cD}'`, `'{a.b,c}'`, `'{1.50,-2}'`,
];

const EDGE = [
  'false', '-32768', '-2147483648', '-9223372036854775808', `'NaN'`, `'Infinity'`,
  `'${'9'.repeat(500)}.${'1'.repeat(499)}0'`, `'-99999999.99'`, '-99999', `'-92233720368547758.08'`,
  `'héllo 🎉 \u0001 ☃ "q" \\\\ end'`, `''`, `' '`, `'\u00e9'`, `'Ñame'`,
  `''`, `B'0'`, `B'00000'`, `B''`,
  `'infinity'`, `'24:00:00'`, `'00:00:00'`, `'00:00:00-03:30'`,
  `'infinity'`, `'-infinity'`, `'-infinity'`, `'-178000000 years'`,
  `'00000000-0000-0000-0000-000000000000'`, `'[]'`, `'{}'`, `'<?xml version="1.0"?><a/>'`,
  `'::1'`, `'::/0'`, `'ff:ff:ff:ff:ff:ff'`, `'ff:ff:ff:ff:ff:ff:ff:ff'`,
  `'(-0,1e-300)'`, `'((1,1),(1,1))'`, `'<(0,0),0>'`, `'{0,1,0}'`, `'[(0,0),(0,0)]'`,
  `'[(0,0),(1,1)]'`, `'((0,0))'`,
  `'empty'`, `'(,)'`, `'[-Infinity,NaN]'`,
  `'(,infinity)'`, `'(-infinity,)'`, `'(,)'`, `'{}'`,
  `''`, `'!a'`, `'0/0'`, '4294967295',
  `'sad'`, '2147483647', `''`, `ROW(NULL, '')`,
  `''`, `''`, `''`, `'(0)'`,
  `'{}'`, `'{-2147483648,2147483647}'`, `'{-9223372036854775808}'`, `'{Infinity}'`, `'{NaN,Infinity,-Infinity}'`,
  `'{-Infinity,Infinity,0.000001}'`, `'{}'`, `'{NULL}'`, `'{}'`, `'{"  "}'`,
  `'{-infinity,0001-01-01 BC}'`, `'{24:00:00}'`, `'{infinity}'`, `'{-infinity}'`, `'{}'`,
  `'{}'`, `'{"\\\\x"}'`, `'{}'`, `'{}'`, `'{::1}'`,
  `'[0:1]={5,6}'`, `'{}'`, `'{""}'`, `'{}'`, `'{}'`,
];

const PRE1970 = [
  'true', '0', '-1', '-1', `'-0'`, `'-1e-300'`,
  `'0.000000000000000000001'`, '0', '0', `'-0.01'`,
  `'line1\nline2\ttab'`, `'x'`, `'x'`, `' '`, `''`,
  `'\\x00'`, `B'1'`, `B'11111'`, `B'111111111'`,
  `'0044-03-15 BC'`, `'00:00:00.000001'`, `'23:59:59.999'`, `'23:59:59.999999+14'`,
  `'1969-12-31 23:59:59.999999'`, `'1900-01-01 00:00:00'`, `'0001-01-01 00:00:00+00 BC'`, `'-1 years -2 mons +3 days -04:05:06.5'`,
  `'ffffffff-ffff-ffff-ffff-ffffffffffff'`, `'null'`, `'null'`, `'<a/>'`,
  `'0.0.0.0'`, `'0.0.0.0/0'`, `'00:00:00:00:00:00'`, `'00:00:00:00:00:00:00:00'`,
  `'(0,0)'`, `'((-1,-1),(-2,-2))'`, `'<(-1,-1),0.5>'`, `'{1,0,-1}'`, `'((0,0),(1,0))'`,
  `'((0,0),(1,0),(1,1))'`, `'((-1,-1),(1,1),(1,-1))'`,
  `'(-10,-5]'`, `'[-9223372036854775808,0)'`, `'[-1e-10,0]'`,
  `'[1900-01-01,1960-01-01]'`, `'[1900-01-01 00:00+00,)'`, `'[0044-03-15 BC,0001-01-01)'`, `'{(,0),[10,)}'`,
  `'x:1A y:2B'`, `'x | !y'`, `'FFFFFFFF/FFFFFFFF'`, '0',
  `'ok'`, '1', `'ten chars!'`, `ROW(-1, 'x,y "z"')`,
  `'"k k"=>"v,v", "x"=>"\\\\"'`, `'a'`, `'ß'`, `'(-1,-1),(1,1)'`,
  `'{-1}'`, `'{0}'`, `'{0,-1}'`, `'{-0}'`, `'{-0}'`,
  `'{-0.0,1e-5}'`, `'{f}'`, `'{NULL,null,"NULL"}'`, `'{" "}'`, `'{""}'`,
  `'{1969-12-31}'`, `'{00:00:00}'`, `'{"1969-12-31 23:59:59.999999"}'`, `'{"1969-12-31 23:59:59.999999+00"}'`, `'{"-1 years"}'`,
  `'{}'`, `'{"\\\\x00ff"}'`, `ARRAY['null']::json[]`, `ARRAY['[1,2]']::jsonb[]`, `'{10.0.0.0/8}'`,
  `'{{NULL,1}}'`, `'{ok}'`, `'{NULL}'`, `'{a}'`, `'{0}'`,
];

function valuesSql(id: number, literals: readonly string[]): string {
  if (literals.length !== TORTURE_COLUMNS.length) {
    throw new Error(`row ${id} has ${literals.length} values for ${TORTURE_COLUMNS.length} columns`);
  }
  return `(${id}, ${literals.map((l, i) => `(${l})::${TORTURE_COLUMNS[i]![1]}`).join(', ')})`;
}

export const TORTURE_ROWS: Readonly<Record<number, readonly string[]>> = {
  1: ORDINARY,
  2: EDGE,
  3: TORTURE_COLUMNS.map(() => 'NULL'),
  4: PRE1970,
};

/** Creates the types, extensions and tables of the suite (torture, toast, full, truncate). */
export async function createTortureSchema(db: TestDatabase): Promise<void> {
  await db.query(SETUP);
  await db.query(`CREATE TABLE torture (id integer PRIMARY KEY, ${TORTURE_COLUMNS.map(([n, t]) => `"${n}" ${t}`).join(', ')})`);
  await db.query(`CREATE TABLE full_ri (id integer PRIMARY KEY, n integer NOT NULL, t text NOT NULL DEFAULT 'd', v numeric(6,2))`);
  await db.query('ALTER TABLE full_ri REPLICA IDENTITY FULL');
  await db.query(`CREATE TABLE default_ri (id integer PRIMARY KEY, n integer NOT NULL, t text NOT NULL, b boolean NOT NULL,
    d date NOT NULL, ts timestamp NOT NULL, tstz timestamptz NOT NULL, num numeric(6,2) NOT NULL, bin bytea NOT NULL, opt text DEFAULT 'none')`);
  await db.query(`CREATE TABLE toasty (id integer PRIMARY KEY, n integer, big text, bigb bytea, biga text[],
    bigi int4[], bigl int8[], bigd date[], bigu uuid[], bigh hstore, bigj jsonb[], bign numeric[], bigf float8[], bigt timestamptz[])`);
  await db.query(`CREATE TABLE toasty_full (id integer PRIMARY KEY, n integer, big text)`);
  await db.query('ALTER TABLE toasty_full REPLICA IDENTITY FULL');
  await db.query('CREATE TABLE trunc (id integer PRIMARY KEY, v text)');
  await db.query('CREATE TABLE nokey (a integer, b text)');
  await db.query('CREATE TABLE idx_ri (id integer PRIMARY KEY, code text NOT NULL, v integer NOT NULL)');
  await db.query('CREATE UNIQUE INDEX idx_ri_code ON idx_ri (code)');
  await db.query('ALTER TABLE idx_ri REPLICA IDENTITY USING INDEX idx_ri_code');
  await db.query('CREATE TABLE nothing_ri (id integer PRIMARY KEY, v text)');
  await db.query('ALTER TABLE nothing_ri REPLICA IDENTITY NOTHING');
}

export const SUITE_TABLES = [
  'public.torture', 'public.full_ri', 'public.default_ri', 'public.toasty', 'public.toasty_full', 'public.trunc', 'public.nokey',
  'public.idx_ri', 'public.nothing_ri',
];

/** Snapshot content: the four torture rows and a row in each other table. */
export async function seedTorture(db: TestDatabase, ids: readonly number[] = [1, 2, 3, 4], offset = 0): Promise<void> {
  await db.query(`INSERT INTO torture VALUES ${ids.map((id) => valuesSql(id + offset, TORTURE_ROWS[id]!)).join(', ')}`);
}

/** Incompressible text (random hex) over the 2 kB TOAST threshold. */
const BIG = `(SELECT string_agg(md5(i::text || random()::text), '') FROM generate_series(1, 300) i)`;

export async function seedOthers(db: TestDatabase): Promise<void> {
  await db.query(`INSERT INTO full_ri VALUES (1, 1, 'one', 1.50)`);
  await db.query(`INSERT INTO default_ri VALUES (1, 1, 'one', true, '2024-01-01', '2024-01-01 00:00', '2024-01-01 00:00+00', 1.5, '\\x01', 'o')`);
  // Arrays and hstore large and random enough to be TOASTed out of line, uncompressed.
  await db.query(`INSERT INTO toasty VALUES (1, 1, ${BIG}, decode(${BIG}, 'hex'), ARRAY[${BIG}],
    (SELECT array_agg((random() * 2e9)::int4) FROM generate_series(1, 2000)),
    (SELECT array_agg((random() * 9e18)::int8) FROM generate_series(1, 1000)),
    (SELECT array_agg(DATE '2000-01-01' + (random() * 9000)::int) FROM generate_series(1, 2000)),
    (SELECT array_agg(md5(i::text || random()::text)::uuid) FROM generate_series(1, 500) i),
    (SELECT hstore(array_agg(md5(i::text || random()::text)), array_agg(md5(random()::text))) FROM generate_series(1, 200) i),
    ARRAY[to_jsonb(${BIG})], (SELECT array_agg(random()::numeric) FROM generate_series(1, 1000)),
    (SELECT array_agg(random()) FROM generate_series(1, 1000)),
    (SELECT array_agg(now() - random() * interval '1000 days') FROM generate_series(1, 1000)))`);
  await db.query(`INSERT INTO toasty_full VALUES (1, 1, ${BIG})`);
  await db.query(`INSERT INTO trunc VALUES (1, 'x')`);
  await db.query(`INSERT INTO nokey VALUES (1, 'x')`);
}

/** The streaming workload (after both peers stream). */
export async function streamingWorkload(db: TestDatabase): Promise<void> {
  await seedTorture(db, [1, 2, 3, 4], 10);
  await db.query(`UPDATE torture SET c_text = 'updated' WHERE id = 11`);
  await db.query(`UPDATE torture SET id = 21 WHERE id = 12`); // primary-key change
  await db.query(`DELETE FROM torture WHERE id = 13`);
  await db.query(`INSERT INTO full_ri VALUES (2, 2, 'two', NULL)`);
  await db.query(`UPDATE full_ri SET n = 3, v = 9.99 WHERE id = 2`);
  await db.query(`UPDATE full_ri SET id = 5 WHERE id = 2`);
  await db.query(`DELETE FROM full_ri WHERE id = 1`);
  await db.query(`INSERT INTO default_ri VALUES (2, 2, 'two', false, '1960-01-01', '1960-01-01 12:00', '1960-01-01 12:00+00', -2.5, '\\x02', NULL)`);
  await db.query(`UPDATE default_ri SET n = 3 WHERE id = 2`);
  await db.query(`DELETE FROM default_ri WHERE id = 2`);
  await db.query(`UPDATE toasty SET n = 2 WHERE id = 1`); // big, bigb, biga unchanged TOAST
  await db.query(`UPDATE toasty_full SET n = 2 WHERE id = 1`);
  await db.query(`DELETE FROM toasty WHERE id = 1`);
  await db.query(`BEGIN; INSERT INTO trunc VALUES (2, 'y'); TRUNCATE trunc; COMMIT`);
  await db.query(`SELECT pg_logical_emit_message(true, 'compat', 'in a transaction')`);
  await db.query(`SELECT pg_logical_emit_message(false, 'compat', '\\x00ff'::bytea)`);
  await db.query(`INSERT INTO nokey VALUES (2, 'y')`); // no key, no replica identity: inserts only
  await db.query(`INSERT INTO idx_ri VALUES (1, 'a', 1), (2, 'b', 2)`);
  await db.query(`UPDATE idx_ri SET v = 10 WHERE id = 1`);
  await db.query(`UPDATE idx_ri SET code = 'c' WHERE id = 1`); // the identity changes, the primary key does not
  await db.query(`DELETE FROM idx_ri WHERE id = 2`);
  await db.query(`INSERT INTO nothing_ri VALUES (1, 'x')`); // REPLICA IDENTITY NOTHING: inserts only
  await db.query(`INSERT INTO trunc VALUES (3, 'end')`); // the last record: both are done when they have it
}

/** Done when the last workload row arrived. */
export function hasEnd(records: ReadonlyArray<{ topic: string; value: unknown }>): boolean {
  return records.some((r) => r.topic.endsWith('.public.trunc') &&
    (r.value as { after?: { v?: unknown } } | null)?.after?.v === 'end');
}

/**
 * The fast envelope path against the generic builder over the comparison suite's type-torture
 * rows, as PostgreSQL prints them (each column `::text`, the form pgoutput sends), under two
 * session time zones (UTC takes the fast timestamptz writer, another offset the generic one)
 * and every handling mode: both must give the same bytes. No Debezium needed.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/fast-encoder.test.ts
 */
import { Client } from 'pg';
import type { Column, Relation, TextValue } from '../../../connector/model/change';
import { loadNotNullColumns, loadUserTypes } from '../../../connector/source/user-types';
import { createTestDatabase, type TestDatabase } from '../../infra/env';
import { expectSameRecords } from '../../support/envelope-equivalence';
import { TORTURE_COLUMNS, createTortureSchema, seedTorture } from './torture';

let db: TestDatabase;
let client: Client;

beforeAll(async () => {
  db = await createTestDatabase('fastenc');
  await createTortureSchema(db);
  await seedTorture(db);
  client = new Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
});

async function tortureRelation(): Promise<Relation> {
  const { rows } = await client.query<{ attname: string; atttypid: string; atttypmod: number }>(
    `SELECT attname, atttypid::text AS atttypid, atttypmod FROM pg_catalog.pg_attribute
      WHERE attrelid = 'public.torture'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
  );
  const columns: Column[] = rows.map((r) => ({ name: r.attname, typeOid: Number(r.atttypid), typeMod: r.atttypmod, isKey: r.attname === 'id' }));
  expect(columns).toHaveLength(TORTURE_COLUMNS.length + 1);
  return { oid: 1, schema: 'public', table: 'torture', replicaIdentity: 'default', columns };
}

async function textRows(timeZone: string): Promise<TextValue[][]> {
  await client.query(`SET TimeZone = '${timeZone}'`);
  const names = ['id', ...TORTURE_COLUMNS.map(([n]) => n)];
  const { rows } = await client.query<Record<string, string | null>>({
    text: `SELECT ${names.map((n) => `"${n}"::text AS "${n}"`).join(', ')} FROM torture ORDER BY id`,
  });
  expect(rows).toHaveLength(4);
  return rows.map((r) => names.map((n) => r[n] ?? null));
}

test.each(['UTC', 'Asia/Kolkata'])('torture rows, session time zone %s: fast and generic records are byte-identical', async (timeZone) => {
  const relation = await tortureRelation();
  const keyless: Relation = { ...relation, oid: 2, columns: relation.columns.map((c) => ({ ...c, isKey: false })) };
  const rows = await textRows(timeZone);
  const ctx = {
    connectorName: 'torture', topicPrefix: 'tt', database: db.name, version: '9.9.9',
    userTypes: await loadUserTypes(client), notNullColumns: await loadNotNullColumns(client),
  };
  const modes = [
    {}, { decimalHandling: 'double' as const }, { decimalHandling: 'string' as const },
    { timePrecision: 'connect' as const, binaryHandling: 'hex' as const }, { timePrecision: 'isostring' as const, intervalHandling: 'string' as const },
    { timePrecision: 'adaptive_time_microseconds' as const, binaryHandling: 'base64' as const },
    { columnTruncate: ['public.torture.c_text=2'], columnMask: ['public.torture.c_varchar=3'], columnMaskWithHash: ['public.torture.c_name'] },
    { messageKeyColumns: ['public.torture:c_int8,c_tstz'] },
  ];
  for (const options of modes) expect(expectSameRecords(ctx, options, [relation, keyless], rows)).toBeGreaterThan(40);
});

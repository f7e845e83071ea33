/**
 * KeyRangeChecker against the real PostgreSQL: for every key of a table whose key is a text
 * column under a linguistic (ICU) collation and an int, the range it names is the one whose chunk
 * SELECT (chunks.ts, leaving out the ranges before it, as a resumed snapshot does) read that
 * key. Byte order would place some of these keys elsewhere, so the collation is what is tested.
 */
import { loadTable } from '../../../connector/snapshot/catalog';
import { chunkSetting, chunkSql } from '../../../connector/snapshot/chunks';
import { KeyRangeChecker } from '../../../connector/snapshot/key-range-check';
import type { DoneRange } from '../../../connector/snapshot/resume';
import { SnapshotReader } from '../../../connector/snapshot/reader';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { createTestDatabase, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';

jest.setTimeout(60_000);

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('keyrange'); });

const NAMES = ['a', 'A', 'b', 'B', 'ä', 'z', 'Z', '10', '9', 'a b', 'ab', 'Ab', 'é', 'e', 'f'];

it('names the range whose chunk read each key, under the column collation', async () => {
  const table = uniqueName('kr');
  await db.query(`CREATE TABLE ${table} (name text COLLATE "und-x-icu", n int, PRIMARY KEY (name, n))`);
  await db.query(`INSERT INTO ${table} SELECT x, g FROM unnest($1::text[]) x, generate_series(1, 3) g`, [NAMES]);
  // Two runs' worth of ranges: the later ones overlap the earlier (a resumed run planned anew).
  const ranges: DoneRange[] = [
    { kind: 'keys', lower: null, upper: ['B', '2'], read: 0 },
    { kind: 'keys', lower: ['e', '1'], upper: ['f', '1'], read: 0 },
    { kind: 'keys', lower: ['a', '3'], upper: ['é', '2'], read: 1 },
    { kind: 'keys', lower: ['é', '2'], upper: null, read: 1 },
  ];
  const reader = await SnapshotReader.open(db.url, 0, uniqueName('krread'));
  const checker = new KeyRangeChecker(db.url, createMemoryLogger());
  try {
    await reader.begin(null, false);
    const t = await loadTable(reader, 0, 'public', table);
    expect(t.primaryKey.map((k) => k.collationSql)).toEqual(['"pg_catalog"."und-x-icu"', null]);
    // What each range's chunk reads, leaving out the ranges before it.
    const readBy = new Map<string, number>();
    for (const [i, r] of ranges.entries()) {
      if (r.kind !== 'keys') continue;
      const sql = chunkSql(t, { kind: 'keys', table: 0, lower: r.lower, upper: r.upper }, ranges.slice(0, i));
      for (const [j, v] of sql.settings.entries()) await reader.query('SELECT pg_catalog.set_config($1, $2, true)', [chunkSetting(j), v]);
      for (const row of (await reader.rows({ text: sql.text, values: [] }))) readBy.set(`${row[0]}|${row[1]}`, i);
    }
    expect(readBy.size).toBe(NAMES.length * 3);
    let byteOrderDiffers = 0;
    for (const name of NAMES) {
      for (const n of ['1', '2', '3']) {
        const got = await checker.rangeOf(`public.${table}`, t.primaryKey, ranges, [name, n]);
        expect(`${name}|${n} -> ${got}`).toBe(`${name}|${n} -> ${readBy.get(`${name}|${n}`)}`);
        const bytes = ranges.findIndex((r) => r.kind === 'keys' && (r.lower === null || cmp([name, n], r.lower) > 0) && (r.upper === null || cmp([name, n], r.upper) <= 0));
        if (bytes !== got) byteOrderDiffers++;
      }
    }
    expect(byteOrderDiffers).toBeGreaterThan(0);
    // A key in no range (cannot happen after a completed snapshot) is -1.
    expect(await checker.rangeOf(`public.${table}#2`, t.primaryKey, ranges.slice(1, 2), ['a', '1'])).toBe(-1);
  } finally {
    await reader.close();
    await checker.close();
    await db.query(`DROP TABLE ${table}`);
  }
});

/** Byte order of (text, int) keys. */
function cmp(a: readonly string[], b: readonly string[]): number {
  if (a[0] !== b[0]) return a[0]! < b[0]! ? -1 : 1;
  return Number(a[1]) - Number(b[1]);
}

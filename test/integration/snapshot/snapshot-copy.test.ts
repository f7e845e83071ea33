/**
 * The snapshot reader's COPY path against the real PostgreSQL: values whose COPY text form needs
 * every escape arrive exactly as pgoutput sends the same rows (the text forms streaming decodes);
 * chunk bounds with tabs, newlines, quotes and backslashes select the right rows; the server
 * waits while onBatch is pending (back-pressure); closing, server errors and onBatch errors end
 * the COPY as they did the cursor.
 */
import { Client, type CustomTypesConfig } from 'pg';
import { decodePgoutputMessage } from '../../../connector/decode/pgoutput';
import type { TextValue } from '../../../connector/model/change';
import { ConnectorError } from '../../../connector/errors';
import { SESSION_OPTIONS } from '../../../connector/source/replication-connection';
import { loadTable } from '../../../connector/snapshot/catalog';
import { chunkSetting, chunkSql, type ChunkSql } from '../../../connector/snapshot/chunks';
import { SnapshotReader, type RawRow } from '../../../connector/snapshot/reader';
import { quoteIdent } from '../../../connector/source/sql';
import { createTestDatabase, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';

jest.setTimeout(120_000);

let db: TestDatabase;
const readers: SnapshotReader[] = [];

async function openReader(): Promise<{ reader: SnapshotReader; app: string }> {
  const app = uniqueName('snapcopy');
  const reader = await SnapshotReader.open(db.url, readers.length, app);
  readers.push(reader);
  await reader.begin(null, false);
  return { reader, app };
}

/** Every row of a key-range chunk (open ends unless given), and the batch sizes seen. */
async function readAll(reader: SnapshotReader, table: string, fetchRows: number, lower: string[] | null = null, upper: string[] | null = null):
  Promise<{ rows: RawRow[]; batches: number[] }> {
  const t = await loadTable(reader, 0, 'public', table);
  const rows: RawRow[] = [];
  const batches: number[] = [];
  await reader.stream(chunkSql(t, { kind: 'keys', table: 0, lower, upper }), fetchRows, (batch) => {
    batches.push(batch.length);
    rows.push(...batch);
  });
  return { rows, batches };
}

async function backendWaitEvent(app: string): Promise<string | null> {
  const [row] = await db.query<{ wait_event: string | null }>(
    `SELECT wait_event FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND state = 'active'`, [db.name, app]);
  return row?.wait_event ?? null;
}

async function connections(app: string): Promise<number> {
  const [row] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`, [db.name, app]);
  return Number(row!.n);
}

/** About 30 MB of COPY text: more than the socket buffers on both sides hold. */
const WIDE_ROWS = 300_000;

beforeAll(async () => {
  db = await createTestDatabase('snapcopy');
  await db.query(`CREATE TABLE wide (id int PRIMARY KEY, pad text);
    INSERT INTO wide SELECT g, repeat('x', 90) FROM generate_series(1, ${WIDE_ROWS}) g;`);
});

afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
});

describe('SnapshotReader.stream (COPY)', () => {
  it('reads values that need every escape exactly as pgoutput sends the same rows', async () => {
    const slot = uniqueName('snapcopy_slot');
    const publication = uniqueName('snapcopy_pub');
    await db.query(`
      CREATE TABLE escapes (id int PRIMARY KEY, t text, v varchar(40), c char(4), j json, jb jsonb, arr text[],
                            b bytea, f float8, ts timestamptz, iv interval, n numeric);
      CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE escapes;`);
    await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    try {
      await db.query(String.raw`
        INSERT INTO escapes VALUES
          (1, E'tab\there', E'cr\rlf\n', E'a\tb', '{"q": "say \"hi\"", "p": "C:\\dir\\n", "u": "\u00e9"}',
              '{"q": "say \"hi\"", "t": "\t", "u": "\u00e9"}', ARRAY['a"b', E'c\\d', '', NULL, 'x,y', E'new\nline', 'NULL'],
              '\x00095c0a0d0bff4e'::bytea, 1.1, '2024-02-29 23:59:59.123456+00', '1 year 2 mons -3 days 04:05:06.7', 12345678901234567890.123),
          (2, E'line1\nline2\r\nline3\r', E'\f\b\v', '', '[]', '{}', '{}', '\x'::bytea, 'NaN', 'infinity', '0', 'NaN'),
          (3, E'back\\slash \\N \\\\ \\t', E'ends with \\', E'\\', '"\\\\"', '"\\\\"', ARRAY[E'\\', E'\\N'], '\x5c4e'::bytea,
              '-Infinity', '-infinity', '-1 day', '-0.0001'),
          (4, '', '', '', '""', '""', ARRAY['']::text[], ''::bytea, -0, '1970-01-01 00:00:00+00', '1 mon', 0),
          (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          (6, '\N', '\N', '\N', '"\\N"', '"\\N"', ARRAY['\N'], '\x5c4e'::bytea, 1e300, '0001-01-01 00:00:00+00 BC', '00:00:00.000001', 1e-20),
          (7, 'zürich € 日本 𝄞 😀', 'ñ', 'é', '{"emoji": "😀", "esc": "\ud83d\ude00"}', '{"emoji": "😀", "esc": "\ud83d\ude00"}',
              ARRAY['日本', '😀 "q"'], convert_to('é😀', 'UTF8'), 2.5e-310, '2024-06-01 12:00:00+00', '1 day', 3.14),
          (8, E'\x01\x08\x0b\x0c\x1f\x7f', E'\x01', E'\x7f', '{"ctl": "\u0001\b\f"}', '{"ctl": "\u0001\b\f"}', ARRAY[E'\x01\t'],
              '\x01'::bytea, 5e-324, '2000-01-01 00:00:00+00', '1 sec', 1),
          (9, E'\t', E'\n', E'\r', '"\t"', '"\t"', ARRAY[E'\t', E'\n', E'\r', '{}', ','], '\x09'::bytea, 1, '2038-01-19 03:14:08+00', '1 hour', 2)`);
      const changes = await withSessionClient((c) => c.query<{ data: Buffer }>(
        `SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`,
        [slot, publication]));
      const streamed = new Map<string, readonly TextValue[]>();
      for (const { data } of changes.rows) {
        const m = decodePgoutputMessage(data);
        if (m.tag === 'insert') streamed.set(String(m.newTuple[0]), m.newTuple);
      }
      expect(streamed.size).toBe(9);

      const { reader } = await openReader();
      const { rows, batches } = await readAll(reader, 'escapes', 2);
      expect(batches).toEqual([2, 2, 2, 2, 1]);
      expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
      for (const row of rows) expect([...row]).toEqual(streamed.get(row[0]!));

      // The reference itself, written out by hand for a few values.
      const byId = new Map(rows.map((r) => [r[0]!, r]));
      expect(byId.get('1')!.slice(1, 4)).toEqual(['tab\there', 'cr\rlf\n', 'a\tb ']);
      expect(byId.get('1')![6]).toBe('{"a\\"b","c\\\\d","",NULL,"x,y","new\nline","NULL"}');
      expect(byId.get('1')![7]).toBe('\\x00095c0a0d0bff4e');
      expect(byId.get('2')![1]).toBe('line1\nline2\r\nline3\r');
      expect(byId.get('3')!.slice(1, 3)).toEqual(['back\\slash \\N \\\\ \\t', 'ends with \\']);
      expect(byId.get('4')!.slice(1, 4)).toEqual(['', '', '    ']);
      expect(byId.get('5')!.slice(1)).toEqual(Array(11).fill(null));
      expect(byId.get('6')!.slice(1, 3)).toEqual(['\\N', '\\N']);
      expect(byId.get('7')![1]).toBe('zürich € 日本 𝄞 😀');
      expect(byId.get('8')![1]).toBe('\x01\x08\x0b\x0c\x1f\x7f');
    } finally {
      await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
      await db.query(`DROP PUBLICATION ${quoteIdent(publication)}`);
    }
  });

  it('selects a key range whose bounds hold tabs, newlines, quotes, backslashes and \\N', async () => {
    await db.query(String.raw`
      CREATE TABLE odd_keys (k text PRIMARY KEY, n int);
      INSERT INTO odd_keys VALUES (E'a\tb', 1), (E'a\nb', 2), (E'a\\b', 3), (E'a\\', 4), ('a''b', 5), ('a"b', 6), ('é', 7),
                                  ('\N', 8), ('', 9), (E'a\rb', 10), ('a,b', 11), ('a)b', 12);`);
    const sorted = (await withSessionClient((c) => c.query<{ k: string }>('SELECT k FROM odd_keys ORDER BY k'), true)).rows.map((r) => r.k);
    expect(sorted).toHaveLength(12);
    const { reader } = await openReader();
    for (const [lo, hi] of [[0, 4], [2, 9], [5, 11], [1, 2]] as const) {
      const { rows } = await readAll(reader, 'odd_keys', 1000, [sorted[lo]!], [sorted[hi]!]);
      expect(rows.map((r) => r[0])).toEqual(sorted.slice(lo + 1, hi + 1));
    }
    expect((await readAll(reader, 'odd_keys', 1000, null, [sorted[3]!])).rows.map((r) => r[0])).toEqual(sorted.slice(0, 4));
    expect((await readAll(reader, 'odd_keys', 1000, [sorted[10]!], null)).rows.map((r) => r[0])).toEqual(sorted.slice(11));
  });

  it('bounds read back from the settings still plan as an index scan (key range) and a TID range scan (pages)', async () => {
    await db.query(`CREATE TABLE heap_only (a int, b text); INSERT INTO heap_only SELECT g, 'row ' || g FROM generate_series(1, 20000) g; ANALYZE heap_only, wide;`);
    const { reader } = await openReader();
    const wide = await loadTable(reader, 0, 'public', 'wide');
    const heap = await loadTable(reader, 1, 'public', 'heap_only');
    const plan = async (sql: ChunkSql): Promise<string> => withSessionClient(async (c) => {
      await c.query('BEGIN');
      try {
        await c.query('SELECT pg_catalog.set_config(s.name, s.value, true) FROM ROWS FROM (unnest($1::text[]), unnest($2::text[])) AS s(name, value)',
          [sql.settings.map((_, i) => chunkSetting(i)), sql.settings]);
        return (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql.text}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await c.query('ROLLBACK');
      }
    });
    expect(await plan(chunkSql(wide, { kind: 'keys', table: 0, lower: ['1000'], upper: ['2000'] }))).toMatch(/Index Scan using wide_pkey/);
    expect(await plan(chunkSql(heap, { kind: 'pages', table: 1, fromPage: 4, toPage: 8 }))).toMatch(/Tid Range Scan/);
  });

  it('keeps the server waiting while onBatch is pending, and a close during it rejects with ABORTED', async () => {
    const { reader, app } = await openReader();
    const table = await loadTable(reader, 0, 'public', 'wide');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    const delivered: number[] = [];
    const run = reader.stream(chunkSql(table, { kind: 'keys', table: 0, lower: null, upper: null }), 500, async (batch) => {
      delivered.push(batch.length);
      await gate;
    });
    // The server blocks writing to the socket (wait event ClientWrite) because nothing reads it.
    await waitFor(async () => (await backendWaitEvent(app)) === 'ClientWrite', { timeoutMs: 30_000, message: 'COPY backend waiting on ClientWrite' });
    expect(delivered).toEqual([500]);
    release();
    await run;
    expect(delivered.reduce((x, y) => x + y, 0)).toBe(WIDE_ROWS);
    expect(Math.max(...delivered)).toBe(500);

    const victim = await openReader();
    const victimTable = await loadTable(victim.reader, 0, 'public', 'wide');
    let releaseVictim: () => void = () => undefined;
    const victimGate = new Promise<void>((r) => { releaseVictim = r; });
    let calls = 0;
    const aborted = victim.reader.stream(chunkSql(victimTable, { kind: 'keys', table: 0, lower: null, upper: null }), 500, async () => {
      calls++;
      await victimGate;
    }).catch((e: unknown) => e);
    await waitFor(() => calls === 1, { message: 'first batch' });
    await victim.reader.close();
    releaseVictim();
    const err = await aborted;
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe('ABORTED');
    expect(calls).toBe(1);
    await waitFor(async () => (await connections(victim.app)) === 0, { message: 'closed reader connection gone' });
  });

  it('maps a server error during COPY to SNAPSHOT with its SQLSTATE and SQL, refuses a row of the wrong shape, and an onBatch error closes the reader', async () => {
    const { reader, app } = await openReader();
    const err = await reader.stream({ text: 'SELECT 1 / (g - 3000) FROM pg_catalog.generate_series(1, 5000) g', settings: [], columns: 1 }, 100, () => undefined)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'SNAPSHOT', context: { sqlState: '22012', sql: 'SELECT 1 / (g - 3000) FROM pg_catalog.generate_series(1, 5000) g' } });
    expect((err as Error).message).toContain('division by zero');
    await waitFor(async () => (await connections(app)) === 0, { message: 'reader closed after the failed COPY' });

    const narrow = await openReader();
    const mismatch = await narrow.reader.stream({ text: 'SELECT 1, 2 FROM pg_catalog.generate_series(1, 3)', settings: [], columns: 3 }, 100, () => undefined)
      .catch((e: unknown) => e);
    expect(mismatch).toMatchObject({ code: 'SNAPSHOT', message: 'COPY row 1 has 2 fields, 3 expected' });
    await waitFor(async () => (await connections(narrow.app)) === 0, { message: 'reader closed after the row-shape error' });

    const second = await openReader();
    const boom = new Error('sink refused');
    const table = await loadTable(second.reader, 0, 'public', 'wide');
    const thrown = await second.reader.stream(chunkSql(table, { kind: 'keys', table: 0, lower: null, upper: null }), 100, () => { throw boom; })
      .catch((e: unknown) => e);
    expect(thrown).toBe(boom);
    await waitFor(async () => (await connections(second.app)) === 0, { message: 'reader closed after onBatch failed' });
  });
});

/**
 * A plain client under the readers' session settings (pgoutput prints values with the session's
 * GUCs); `rawText`: every column as its text form, as the readers get them.
 */
async function withSessionClient<T>(fn: (c: Client) => Promise<T>, rawText = false): Promise<T> {
  const types = rawText ? { getTypeParser: () => (v: string) => v } as unknown as CustomTypesConfig : undefined;
  const c = new Client({ connectionString: db.url, options: SESSION_OPTIONS, types });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

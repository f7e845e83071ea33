import { boundarySql, chunkSql, keyChunks, pageChunks, rowsPerPage, DEFAULT_ROWS_PER_PAGE } from '../../../connector/snapshot/chunks';
import type { SnapshotTable } from '../../../connector/snapshot/types';

const INT4 = 23;
const TEXT = 25;

function table(primaryKey: SnapshotTable['primaryKey'], columns: Array<[string, number]>): SnapshotTable {
  const keys = new Set(primaryKey.map((k) => k.name));
  return {
    index: 3,
    relation: {
      oid: 1, schema: 'public', table: 'Order Items', replicaIdentity: 'default',
      columns: columns.map(([name, typeOid]) => ({ name, typeOid, typeMod: -1, isKey: keys.has(name) })),
    },
    primaryKey, estimatedRows: 1000, relPages: 10, pages: 10, partitioned: false,
  };
}

const composite = table(
  [{ name: 'order id', typeSql: '"pg_catalog"."int4"', collationSql: null }, { name: 'li"ne', typeSql: '"pg_catalog"."text"', collationSql: '"pg_catalog"."default"' }],
  [['order id', INT4], ['li"ne', TEXT], ['sku', TEXT]],
);
/** A chunk's i-th value, as COPY's SELECT reads it (the reader sets it just before, as a bind parameter). */
const set = (n: number): string => `pg_catalog.current_setting('walcast.snapshot_p${n}')`;

const keyless = table([], [['a', INT4], ['b', TEXT]]);

describe('keyChunks', () => {
  it('turns n boundaries into n+1 half-open ranges with open ends', () => {
    expect(keyChunks(3, [['10'], ['20']])).toEqual([
      { kind: 'keys', table: 3, lower: null, upper: ['10'] },
      { kind: 'keys', table: 3, lower: ['10'], upper: ['20'] },
      { kind: 'keys', table: 3, lower: ['20'], upper: null },
    ]);
  });

  it('reads a table without boundaries as one open range', () => {
    expect(keyChunks(0, [])).toEqual([{ kind: 'keys', table: 0, lower: null, upper: null }]);
  });
});

describe('pageChunks', () => {
  it('cuts pages into chunks of about chunkRows rows, the last open-ended', () => {
    expect(pageChunks(1, 10, 100, 300)).toEqual([
      { kind: 'pages', table: 1, fromPage: 0, toPage: 3 },
      { kind: 'pages', table: 1, fromPage: 3, toPage: 6 },
      { kind: 'pages', table: 1, fromPage: 6, toPage: 9 },
      { kind: 'pages', table: 1, fromPage: 9, toPage: null },
    ]);
  });

  it('uses at least one page per chunk and one open chunk for an empty table', () => {
    expect(pageChunks(0, 3, 500, 10).map((c) => c.kind === 'pages' && [c.fromPage, c.toPage])).toEqual([[0, 1], [1, 2], [2, null]]);
    expect(pageChunks(0, 0, 50, 1000)).toEqual([{ kind: 'pages', table: 0, fromPage: 0, toPage: null }]);
  });

  it('estimates rows per page from statistics, with a default for never-analyzed tables', () => {
    expect(rowsPerPage({ estimatedRows: 2000, relPages: 10 })).toBe(200);
    expect(rowsPerPage({ estimatedRows: -1, relPages: 0 })).toBe(DEFAULT_ROWS_PER_PAGE);
  });
});

describe('chunk SQL', () => {
  it('samples every chunkRows-th key in key order with quoted identifiers and a bound parameter', () => {
    expect(boundarySql(composite, 10000)).toEqual({
      text: 'SELECT s.k0, s.k1 FROM (SELECT "order id" AS k0, "li""ne" AS k1, row_number() OVER (ORDER BY "order id", "li""ne") AS rn ' +
        'FROM "public"."Order Items") s WHERE s.rn % $1 = 0 ORDER BY s.rn',
      values: ['10000'],
    });
  });

  it('reads a key range with row comparisons on typed values read back from transaction-local settings', () => {
    const sql = chunkSql(composite, { kind: 'keys', table: 3, lower: ['1', "it's"], upper: ['5', 'z'] });
    expect(sql.text).toBe(
      'SELECT "order id", "li""ne", "sku" FROM "public"."Order Items" ' +
      `WHERE ("order id", "li""ne") > (${set(1)}::"pg_catalog"."int4", ${set(2)}::"pg_catalog"."text") ` +
      `AND ("order id", "li""ne") <= (${set(3)}::"pg_catalog"."int4", ${set(4)}::"pg_catalog"."text") ORDER BY "order id", "li""ne"`,
    );
    expect(sql.settings).toEqual(['1', "it's", '5', 'z']);
    expect(sql.columns).toBe(3);
  });

  it('omits the bound of an open end', () => {
    expect(chunkSql(composite, { kind: 'keys', table: 3, lower: null, upper: ['1', 'a'] }).text).not.toContain(' > ');
    expect(chunkSql(composite, { kind: 'keys', table: 3, lower: ['1', 'a'], upper: null }).text).not.toContain('<=');
    expect(() => chunkSql(composite, { kind: 'keys', table: 3, lower: ['1'], upper: null })).toThrow(RangeError);
  });

  it('reads keyless tables by ctid page range, ctid first', () => {
    expect(chunkSql(keyless, { kind: 'pages', table: 3, fromPage: 4, toPage: 8 })).toEqual({
      text: `SELECT ctid::text, "a", "b" FROM "public"."Order Items" WHERE ctid >= ${set(1)}::"pg_catalog"."tid" AND ctid < ${set(2)}::"pg_catalog"."tid"`,
      settings: ['(4,0)', '(8,0)'],
      columns: 3,
    });
    expect(chunkSql(keyless, { kind: 'pages', table: 3, fromPage: 0, toPage: null })).toEqual({
      text: 'SELECT ctid::text, "a", "b" FROM "public"."Order Items"', settings: [], columns: 3,
    });
    expect(chunkSql(keyless, { kind: 'all', table: 3 }).text).toBe('SELECT ctid::text, "a", "b" FROM "public"."Order Items"');
  });
});

describe('chunkSql excluding ranges an interrupted run committed (exactly-once resume)', () => {
  it('leaves out committed key ranges, values read back from settings, cast to the key types', () => {
    const sql = chunkSql(composite, { kind: 'keys', table: 3, lower: null, upper: null }, [
      { kind: 'keys', lower: null, upper: ['5', 'x'], read: 0 },
      { kind: 'keys', lower: ['7', 'a'], upper: ['9', 'b'], read: 0 },
    ]);
    expect(sql.text).toBe(
      'SELECT "order id", "li""ne", "sku" FROM "public"."Order Items" WHERE '
      + `NOT (("order id", "li""ne") <= (${set(1)}::"pg_catalog"."int4", ${set(2)}::"pg_catalog"."text")) AND `
      + `NOT (("order id", "li""ne") > (${set(3)}::"pg_catalog"."int4", ${set(4)}::"pg_catalog"."text") AND ("order id", "li""ne") <= (${set(5)}::"pg_catalog"."int4", ${set(6)}::"pg_catalog"."text")) `
      + 'ORDER BY "order id", "li""ne"',
    );
    expect(sql.settings).toEqual(['5', 'x', '7', 'a', '9', 'b']);
  });

  it('leaves out page ranges of a keyless table; a whole table done reads nothing; a range of another key shape is ignored', () => {
    const pages = chunkSql(keyless, { kind: 'pages', table: 3, fromPage: 0, toPage: null }, [{ kind: 'pages', fromPage: 4, toPage: 8, read: 0 }]);
    expect(pages.text).toContain(`WHERE NOT (ctid >= ${set(1)}::"pg_catalog"."tid" AND ctid < ${set(2)}::"pg_catalog"."tid")`);
    expect(pages.settings).toEqual(['(4,0)', '(8,0)']);
    expect(chunkSql(keyless, { kind: 'all', table: 3 }, [{ kind: 'all', read: 0 }]).text).toContain('WHERE false');
    const mismatch = chunkSql(composite, { kind: 'keys', table: 3, lower: null, upper: null }, [{ kind: 'keys', lower: ['1'], upper: null, read: 0 }]);
    expect(mismatch.text).not.toContain('WHERE');
  });
});

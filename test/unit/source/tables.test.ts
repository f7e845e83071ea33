import { displayName, listTables, matchTables, parseColumnPattern, parseTablePattern, unmatchedPatterns, type Queryable } from '../../../connector/source/tables';
import { isConnectorError } from '../../../connector/errors';

const t = (schema: string, table: string) => ({ schema, table });
const all = [
  t('public', 'orders'), t('public', 'order_items'), t('public', 'Order Items'), t('public', 'Orders'),
  t('public', 'a.b'), t('inventory', 'stock'), t('inventory', 'audit_log'), t('My Schema', '*'), t('My Schema', 'x'),
];
const names = (xs: Array<{ schema: string; table: string }>) => xs.map(displayName);

describe('matchTables', () => {
  it('matches * within one part, case-sensitively', () => {
    expect(names(matchTables(all, ['public.order*'], []))).toEqual(['public.orders', 'public.order_items']);
    expect(names(matchTables(all, ['public.O*'], []))).toEqual(['public.Order Items', 'public.Orders']);
    expect(names(matchTables(all, ['*.*stock*'], []))).toEqual(['inventory.stock']);
  });

  it('with a leading (?i), matches every part case-insensitively (exact, wildcard and quoted parts), columns too', () => {
    expect(names(matchTables(all, ['(?i)PUBLIC.orders'], []))).toEqual(['public.orders', 'public.Orders']);
    expect(names(matchTables(all, ['(?i)public.ORDER*'], []))).toEqual(['public.orders', 'public.order_items', 'public.Order Items', 'public.Orders']);
    expect(names(matchTables(all, ['(?i)"my schema".x'], []))).toEqual(['My Schema.x']);
    expect(names(matchTables(all, ['*.*'], ['(?i)public.*', '(?i)INVENTORY.*', '(?i)my schema.*']))).toEqual([]);
    expect(parseColumnPattern('(?i)public.customers.SSN').matches('public', 'customers', 'ssn')).toBe(true);
    expect(parseColumnPattern('public.customers.SSN').matches('public', 'customers', 'ssn')).toBe(false);
  });

  it('matches exact names, with spaces unquoted or quoted', () => {
    expect(matchTables(all, ['public.Order Items'], [])).toEqual([t('public', 'Order Items')]);
    expect(matchTables(all, ['public."Order Items"'], [])).toEqual([t('public', 'Order Items')]);
    expect(matchTables(all, ['public.orders'], [])).toEqual([t('public', 'orders')]);
  });

  it('treats quoted parts literally: dots and stars', () => {
    expect(matchTables(all, ['public."a.b"'], [])).toEqual([t('public', 'a.b')]);
    expect(matchTables(all, ['"My Schema"."*"'], [])).toEqual([t('My Schema', '*')]);
    expect(matchTables(all, ['"My Schema".*'], [])).toHaveLength(2);
    expect(parseTablePattern('"we""ird".t').matches(t('we"ird', 't'))).toBe(true);
  });

  it('subtracts excludes and keeps catalog order without duplicates', () => {
    expect(names(matchTables(all, ['inventory.*', '*.stock'], ['*.audit_*']))).toEqual(['inventory.stock']);
    expect(matchTables(all, ['*.*'], ['*.*'])).toEqual([]);
    expect(matchTables(all, ['*.*'], [])).toHaveLength(all.length);
  });

  it('keeps extra fields of the input rows', () => {
    const rows = [{ schema: 'public', table: 'p', partitioned: true, isPartition: false }];
    expect(matchTables(rows, ['public.p'], [])[0]?.partitioned).toBe(true);
  });

  it.each([
    ['nodot', /must be schema.table/], ['a.b.c', /must be schema.table/], ['.t', /empty schema/], ['s.', /empty table/],
    ['"open.t', /unterminated quote/], ['"s"x.t', /followed by \. or the end/], ['s.ab"c"', /quote a whole part/],
  ])('rejects %s', (p, re) => {
    expect(() => parseTablePattern(p)).toThrow(re);
  });

  it('lists patterns that match nothing', () => {
    expect(unmatchedPatterns(all, ['public.*', 'nope.*', 'public.missing'])).toEqual(['nope.*', 'public.missing']);
  });
});

describe('displayName', () => {
  it('displays names as patterns that read back to the same table', () => {
    for (const x of all) expect(matchTables(all, [displayName(x)], [])).toEqual([x]);
  });
});

describe('listTables', () => {
  it('maps catalog rows and passes no parameters', async () => {
    const calls: Array<[string, unknown[] | undefined]> = [];
    const client: Queryable = {
      query: async <R>(text: string, params?: unknown[]) => {
        calls.push([text, params]);
        return { rows: [{ schema: 'public', table: 'm', partitioned: true, is_partition: false }] as unknown as R[] };
      },
    };
    expect(await listTables(client)).toEqual([{ schema: 'public', table: 'm', partitioned: true, isPartition: false }]);
    expect(calls[0]?.[0]).toMatch(/relkind IN \('r', 'p'\)/);
  });
  it('wraps query failures as ConnectorError keeping the SQLSTATE', async () => {
    const err = Object.assign(new Error('permission denied'), { code: '42501' });
    const client: Queryable = { query: async () => { throw err; } };
    const e: unknown = await listTables(client).then(() => undefined, (x: unknown) => x);
    expect(isConnectorError(e, 'PG_PRIVILEGE')).toBe(true);
  });
});

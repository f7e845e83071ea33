import { literalDefault } from '../../../connector/source/column-defaults';

describe('literalDefault (pg_get_expr of a column default)', () => {
  it.each([
    [`'d'::text`, 'd'],
    [`'it''s'::character varying`, `it's`],
    [`'2024-01-01'::date`, '2024-01-01'],
    [`'{}'::integer[]`, '{}'],
    [`'x'::character varying(10)`, 'x'],
    ['42', '42'],
    ['(-3)', '-3'],
    ['1.50', '1.50'],
    ['true', 't'],
    ['false', 'f'],
  ])('%s -> %s', (expr, text) => expect(literalDefault(expr)).toBe(text));

  it.each([
    [`nextval('t_id_seq'::regclass)`], ['now()'], ['CURRENT_TIMESTAMP'], [`('x'::text || 'y'::text)`], [`'a'::text COLLATE "C"`],
  ])('%s is an expression, not a literal', (expr) => expect(literalDefault(expr)).toBeNull());
});

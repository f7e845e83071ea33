import { ConfigError } from '../../../config/config-error';
import { loadConfig } from '../../../config/load';

const env = { WALCAST_NAME: 'shop', WALCAST_SOURCE_URL: 'postgres://a@127.0.0.1/app' };
function problems(extra: NodeJS.ProcessEnv): readonly string[] {
  try { loadConfig({ env: { ...env, ...extra } }); } catch (e) { if (e instanceof ConfigError) return e.problems; throw e; }
  return [];
}

describe('envelope filter keys', () => {
  it('default to emitting everything', () => {
    expect(loadConfig({ env }).envelope).toMatchObject({ skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [] });
  });
  it('read from env as comma-separated lists', () => {
    expect(loadConfig({ env: { ...env, WALCAST_ENVELOPE_SKIPPED_OPERATIONS: 't,d', WALCAST_ENVELOPE_MESSAGE_PREFIX_INCLUDE: 'audit.*' } }).envelope)
      .toMatchObject({ skippedOperations: ['t', 'd'], messagePrefixInclude: ['audit.*'] });
  });
  it('report every bad value at once', () => {
    expect(problems({
      WALCAST_ENVELOPE_SKIPPED_OPERATIONS: 'c,x,none', WALCAST_ENVELOPE_MESSAGE_PREFIX_INCLUDE: 'a(', WALCAST_ENVELOPE_MESSAGE_PREFIX_EXCLUDE: 'b',
    })).toEqual([
      'envelope.skippedOperations: "x", "none" not one of c, u, d, t',
      expect.stringMatching(/^envelope\.messagePrefixInclude: "a\(" is not a regular expression/),
      'envelope.messagePrefixExclude: set messagePrefixInclude or messagePrefixExclude, not both (as Debezium requires)',
    ]);
  });
  it('check column patterns and sizes, all at once', () => {
    expect(problems({
      WALCAST_ENVELOPE_COLUMN_INCLUDE: 'public.t', WALCAST_ENVELOPE_COLUMN_EXCLUDE: 'public.t.c',
      WALCAST_ENVELOPE_COLUMN_TRUNCATE: 'public.t.c=x', WALCAST_ENVELOPE_COLUMN_MASK: 'public.t.c=0',
    })).toEqual([
      'envelope.columnInclude: column pattern "public.t" must be schema.table.column (quote a part containing a dot: "a.b")',
      'envelope.columnTruncate: "public.t.c=x" must be schema.table.column=N',
      'envelope.columnMask: "public.t.c=0": mask with at least 1 character',
      'envelope.columnExclude: set columnInclude or columnExclude, not both (as Debezium requires)',
    ]);
    expect(loadConfig({ env: { ...env, WALCAST_ENVELOPE_COLUMN_MASK: 'public.*.ssn=3', WALCAST_ENVELOPE_COLUMN_TRUNCATE: '"My Schema".t.c=10' } }).envelope)
      .toMatchObject({ columnMask: ['public.*.ssn=3'], columnTruncate: ['"My Schema".t.c=10'] });
  });
  it('messageKeyColumns: from env a comma list continues the rule; malformed rules are problems', () => {
    expect(loadConfig({ env: { ...env, WALCAST_ENVELOPE_MESSAGE_KEY_COLUMNS: 'public.orders:region,customer_id' } }).envelope.messageKeyColumns)
      .toEqual(['public.orders:region', 'customer_id']);
    expect(problems({ WALCAST_ENVELOPE_MESSAGE_KEY_COLUMNS: 'region' })).toEqual(['envelope.messageKeyColumns: "region" must be schema.table:col1,col2']);
    expect(problems({ WALCAST_ENVELOPE_MESSAGE_KEY_COLUMNS: 'orders:id' })).toEqual([expect.stringMatching(/^envelope\.messageKeyColumns: table pattern "orders" must be schema\.table/)]);
  });
});

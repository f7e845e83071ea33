/**
 * schema.name.adjustment.mode. The expected names are the ones Debezium 3.6.1's
 * SchemaNameAdjusterTest asserts (its AVRO and AVRO_UNICODE adjusters), plus cases read from
 * SchemaNameAdjuster.validFullname.
 */
import { adjustSchemaName, createSchemaNameAdjuster, SchemaNameConflictError } from '../../../connector/envelope/schema-name';

describe('adjustSchemaName avro', () => {
  it.each([
    ['test-server.connector_test.products.Key', 'test_server.connector_test.products.Key'],
    ['24ColumnName', '_24ColumnName'], // DBZ-6559: a leading digit is kept after the _
    ['44ColumnName', '_44ColumnName'],
    ['my-app.public.order items.Value', 'my_app.public.order_items.Value'],
    ['-p.public.t.Envelope', '_p.public.t.Envelope'], // an invalid leading non-digit is replaced
    ['p.public.tëst.Value', 'p.public.t_st.Value'],
    ['p.public.t🎉.Key', 'p.public.t__.Key'], // a surrogate pair is two characters
    ['p.public.1t.Value', 'p.public.1t.Value'], // Debezium checks characters, not the parts between dots
  ])('%s -> %s', (name, adjusted) => {
    expect(adjustSchemaName(name, 'avro')).toBe(adjusted);
  });

  it('leaves valid names as they are', () => {
    for (const n of ['test_server.connector_test.products.Key', 't1234.connector_test.products.Key', 'io.debezium.connector.postgresql.Source', '_x', '']) {
      expect(adjustSchemaName(n, 'avro')).toBe(n);
    }
  });
});

describe('adjustSchemaName avro_unicode', () => {
  it.each([
    ['_hello_语言.', '_u005fhello_u005f_u8bed_u8a00.'], // SchemaNameAdjusterTest.shouldConvertInvalidCharactersToUnicode
    ['my-app.public.t.Value', 'my_u002dapp.public.t.Value'],
    ['1abc.public.t.Key', '_u0031abc.public.t.Key'], // no digit kept: only the underscore replacement does that
    ['p.public.ä.Key', 'p.public._u00e4.Key'], // 'e4' has two hex digits: padded to 4
    ['p.public.ÿĀ.Key', 'p.public._u00ff_u100.Key'], // three digits are not padded (Integer.toHexString as Debezium)
  ])('%s -> %s', (name, adjusted) => {
    expect(adjustSchemaName(name, 'avro_unicode')).toBe(adjusted);
  });
});

describe('createSchemaNameAdjuster', () => {
  it('none: every name unchanged', () => {
    expect(createSchemaNameAdjuster('none')('my-app.public.t.Value')).toBe('my-app.public.t.Value');
  });

  it('tells each replaced name once', () => {
    const told: string[] = [];
    const adjust = createSchemaNameAdjuster('avro', (o, a) => told.push(`${o} -> ${a}`));
    for (let i = 0; i < 3; i++) {
      expect(adjust('some-invalid-fullname$')).toBe('some_invalid_fullname_');
      expect(adjust('valid.name')).toBe('valid.name');
    }
    expect(told).toEqual(['some-invalid-fullname$ -> some_invalid_fullname_']);
  });

  it('two names replaced by the same one are an error (SchemaNameAdjusterTest.shouldReportConflictReplacement)', () => {
    const adjust = createSchemaNameAdjuster('avro');
    adjust('some-invalid-fullname$');
    expect(() => adjust('some-invalid%fullname_')).toThrow(SchemaNameConflictError);
    expect(() => adjust('some-invalid%fullname_')).toThrow(/also the replacement of "some-invalid-fullname\$"/);
  });
});

/**
 * Connect schemas rendered as JsonConverter writes them, checked against what Debezium 3.6.1
 * printed with schemas on (test/fixtures/debezium/schemas-defaults.json, recorded from the
 * compat suite's tables; the topic prefix replaced by PREFIX).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Relation } from '../../../connector/model/change';
import type { ValueOptions } from '../../../connector/envelope/values';
import type { UserType } from '../../../connector/model/user-types';
import { columnSchema } from '../../../connector/envelope/column-schema';
import { renderSchema, tableSchemas, withSchema, type ConnectSchema } from '../../../connector/envelope/connect-schema';
import {
  HEARTBEAT_KEY_SCHEMA, HEARTBEAT_VALUE_SCHEMA, MESSAGE_KEY_SCHEMA, TRANSACTION_KEY_SCHEMA, TRANSACTION_VALUE_SCHEMA, messageValueSchema,
} from '../../../connector/envelope/debezium-schemas';

interface Recorded { key: unknown; value: { fields: Array<{ field: string; fields?: Array<{ field: string }> }> } }
const FIXTURE = JSON.parse(readFileSync(join(__dirname, '../../fixtures/debezium/schemas-defaults.json'), 'utf8')) as Record<string, Recorded>;

const DEFAULTS: ValueOptions = { decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric' };

const rel = (table: string, cols: Array<[string, number, number?, boolean?]>): Relation => ({
  oid: 1, schema: 'public', table, replicaIdentity: 'default',
  columns: cols.map(([name, typeOid, typeMod = -1, isKey = false]) => ({ name, typeOid, typeMod, isKey })),
});
const all = (r: Relation) => r.columns.map((_, i) => i);
const parsed = (s: ConnectSchema) => JSON.parse(renderSchema(s)) as unknown;
/** A member of Debezium's `after` struct, by column name. */
const dbzColumn = (table: string, column: string) => FIXTURE[table]!.value.fields.find((f) => f.field === 'after')!.fields!.find((f) => f.field === column);

describe('tableSchemas', () => {
  it('renders key and envelope as Debezium does: NOT NULL required, a literal default, Decimal parameters', () => {
    const r = rel('full_ri', [['id', 23, -1, true], ['n', 23], ['t', 25], ['v', 1700, (6 << 16) + 2 + 4]]);
    const s = tableSchemas(r, 'PREFIX.public.full_ri', [0], all(r), {
      options: DEFAULTS, notNull: new Set(['id', 'n', 't']), defaults: new Map([['t', 'd']]),
    });
    expect(parsed(s.key!)).toEqual(FIXTURE['public.full_ri']!.key);
    expect(parsed(s.envelope)).toEqual(FIXTURE['public.full_ri']!.value);
    // Member order too (toEqual ignores it).
    expect(renderSchema(s.envelope)).toBe(JSON.stringify(FIXTURE['public.full_ri']!.value));
  });

  it('temporal, bytea and boolean NOT NULL columns', () => {
    const r = rel('default_ri', [['id', 23, -1, true], ['n', 23], ['t', 25], ['b', 16], ['d', 1082], ['ts', 1114], ['tstz', 1184],
      ['num', 1700, (6 << 16) + 2 + 4], ['bin', 17], ['opt', 25]]);
    const s = tableSchemas(r, 'PREFIX.public.default_ri', [0], all(r), {
      options: DEFAULTS, notNull: new Set(['id', 'n', 't', 'b', 'd', 'ts', 'tstz', 'num', 'bin']),
    });
    expect(renderSchema(s.envelope)).toBe(JSON.stringify(FIXTURE['public.default_ri']!.value));
  });

  it('arrays, hstore and unconstrained numeric[] (toasty)', () => {
    const hstore: UserType = { oid: 70000, name: 'hstore', kind: 'b', baseOid: 0, baseTypeMod: -1, elementOid: 0 };
    const r = rel('toasty', [['id', 23, -1, true], ['n', 23], ['big', 25], ['bigb', 17], ['biga', 1009], ['bigi', 1007], ['bigl', 1016],
      ['bigd', 1182], ['bigu', 2951], ['bigh', 70000], ['bigj', 3807], ['bign', 1231], ['bigf', 1022], ['bigt', 1185]]);
    const s = tableSchemas(r, 'PREFIX.public.toasty', [0], all(r), { options: DEFAULTS, userTypes: new Map([[70000, hstore]]), notNull: new Set(['id']) });
    expect(renderSchema(s.envelope)).toBe(JSON.stringify(FIXTURE['public.toasty']!.value));
  });

  it('a table without key columns has no key schema', () => {
    const r = rel('nokey', [['a', 23], ['b', 25]]);
    const s = tableSchemas(r, 'PREFIX.public.nokey', [], all(r), { options: DEFAULTS, notNull: new Set() });
    expect(s.key).toBeNull();
    expect(renderSchema(s.envelope)).toBe(JSON.stringify(FIXTURE['public.nokey']!.value));
  });
});

describe('columnSchema (torture columns, defaults)', () => {
  const types = new Map<number, UserType>([
    [70001, { oid: 70001, name: 'mood', kind: 'e', baseOid: 0, baseTypeMod: -1, elementOid: 0, labels: ['sad', 'ok', 'happy'] }],
    [70002, { oid: 70002, name: '_mood', kind: 'b', baseOid: 0, baseTypeMod: -1, elementOid: 70001 }],
    [70003, { oid: 70003, name: 'posint', kind: 'd', baseOid: 23, baseTypeMod: -1, elementOid: 0 }],
    [70004, { oid: 70004, name: 'shorttext', kind: 'd', baseOid: 1043, baseTypeMod: 14, elementOid: 0 }],
    [70005, { oid: 70005, name: 'ltree', kind: 'b', baseOid: 0, baseTypeMod: -1, elementOid: 0 }],
    [70006, { oid: 70006, name: '_ltree', kind: 'b', baseOid: 0, baseTypeMod: -1, elementOid: 70005 }],
    [70007, { oid: 70007, name: 'citext', kind: 'b', baseOid: 0, baseTypeMod: -1, elementOid: 0 }],
    [70008, { oid: 70008, name: '_citext', kind: 'b', baseOid: 0, baseTypeMod: -1, elementOid: 70007 }],
  ]);
  const cases: Array<[string, number, number?]> = [
    ['c_bool', 16], ['c_int2', 21], ['c_int4', 23], ['c_int8', 20], ['c_float4', 700], ['c_float8', 701],
    ['c_numeric', 1700], ['c_numeric_10_2', 1700, (10 << 16) + 2 + 4], ['c_numeric_5_0', 1700, (5 << 16) + 4], ['c_money', 790],
    ['c_text', 25], ['c_varchar', 1043, 24], ['c_bpchar', 1042, 9], ['c_char', 18], ['c_name', 19], ['c_bytea', 17],
    ['c_bit1', 1560, 1], ['c_bit5', 1560, 5], ['c_varbit', 1562], ['c_date', 1082], ['c_time', 1083], ['c_time3', 1083, 3],
    ['c_timetz', 1266], ['c_ts', 1114], ['c_ts3', 1114, 3], ['c_tstz', 1184], ['c_interval', 1186], ['c_uuid', 2950],
    ['c_json', 114], ['c_jsonb', 3802], ['c_xml', 142], ['c_inet', 869], ['c_cidr', 650], ['c_macaddr', 829], ['c_macaddr8', 774],
    ['c_point', 600], ['c_int4range', 3904], ['c_tstzrange', 3910], ['c_tsvector', 3614], ['c_oid', 26],
    ['c_enum', 70001], ['c_dom_int', 70003], ['c_dom_text', 70004], ['c_ltree', 70005], ['c_citext', 70007],
    ['a_int2', 1005], ['a_float4', 1021], ['a_numeric', 1231], ['a_bool', 1000], ['a_bpchar', 1014], ['a_date', 1182], ['a_time', 1183],
    ['a_ts', 1115], ['a_tstz', 1185], ['a_uuid', 2951], ['a_bytea', 1001], ['a_json', 199], ['a_inet', 1041], ['a_int4_2d', 1007],
    ['a_enum', 70002], ['a_citext', 70008], ['a_ltree', 70006],
  ];
  it.each(cases)('%s', (name, oid, typeMod = -1) => {
    const rendered = JSON.parse(`{${renderSchema(columnSchema(oid, typeMod, true, DEFAULTS, types)).slice(1, -1)},"field":${JSON.stringify(name)}}`) as unknown;
    expect(rendered).toEqual(dbzColumn('public.torture', name));
  });
});

describe('columnSchema, hstore.handling.mode=map', () => {
  it('hstore is a nameless map of required string keys to optional string values (PostgresValueConverter.hstoreSchema)', () => {
    const types = new Map<number, UserType>([
      [70010, { oid: 70010, name: 'hstore', kind: 'b', baseOid: 0, baseTypeMod: -1, elementOid: 0 }],
      [70011, { oid: 70011, name: '_hstore', kind: 'b', baseOid: 0, baseTypeMod: -1, elementOid: 70010 }],
    ]);
    const options = { ...DEFAULTS, hstoreHandling: 'map' as const };
    const map = '{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"string","optional":true},"optional":true}';
    expect(renderSchema(columnSchema(70010, -1, true, options, types))).toBe(map);
    expect(renderSchema(columnSchema(70011, -1, false, options, types))).toBe(`{"type":"array","items":${map},"optional":false}`);
    expect(renderSchema(columnSchema(70010, -1, true, DEFAULTS, types))).toBe('{"type":"string","optional":true,"name":"io.debezium.data.Json","version":1}');
  });
});

describe('fixed schemas', () => {
  it('message, transaction and heartbeat records', () => {
    expect(parsed(MESSAGE_KEY_SCHEMA)).toEqual(FIXTURE.message!.key);
    const msg = parsed(messageValueSchema('bytes')) as { fields: unknown[] };
    expect(JSON.stringify(msg)).toBe(JSON.stringify(FIXTURE.message!.value));
    expect(renderSchema(TRANSACTION_KEY_SCHEMA)).toBe(JSON.stringify(FIXTURE.transaction!.key));
    expect(renderSchema(TRANSACTION_VALUE_SCHEMA)).toBe(JSON.stringify(FIXTURE.transaction!.value));
    expect(renderSchema(HEARTBEAT_KEY_SCHEMA)).toBe(JSON.stringify(FIXTURE.heartbeat!.key));
    expect(renderSchema(HEARTBEAT_VALUE_SCHEMA)).toBe(JSON.stringify(FIXTURE.heartbeat!.value));
  });

  it('withSchema wraps a payload', () => {
    expect(withSchema('{"type":"int32","optional":false}', '1')).toBe('{"schema":{"type":"int32","optional":false},"payload":1}');
  });
});

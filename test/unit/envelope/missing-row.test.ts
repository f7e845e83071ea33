/**
 * Deletes for rows known only by their key bytes (snapshot.deleteMissing): `before` equals what
 * the ordinary delete path writes for a REPLICA IDENTITY DEFAULT delete of the same key, key
 * digits survive beyond 2^53, column controls apply, and a key that is no JSON object gives a
 * null `before` instead of a wrong one.
 */
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import type { Column, Relation } from '../../../connector/model/change';
import { EnvelopeBuilder, type TxContext } from '../../../connector/envelope/builder';
import { rawMembers } from '../../../connector/envelope/missing-row';
import { isDeleteRecord } from '../../../connector/pipeline/delete-missing';
import { lsn } from '../../../connector/protocol/lsn';
import type { SinkRecord } from '../../../connector/model/record';

const OPTIONS: EnvelopeOptions = {
  tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes',
  intervalHandling: 'numeric', skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [],
  columnInclude: [], columnExclude: [], columnTruncate: [], columnMask: [], columnMaskWithHash: [],
  columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [],
};
const col = (name: string, typeOid: number, isKey = false): Column => ({ name, typeOid, typeMod: -1, isKey });
const orders: Relation = {
  oid: 16384, schema: 'public', table: 'orders', replicaIdentity: 'default',
  columns: [col('id', 20, true), col('region', 25, true), col('n', 23), col('note', 25)],
};
const builder = (options: Partial<EnvelopeOptions> = {}): EnvelopeBuilder => new EnvelopeBuilder({
  connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '9.9.9', options: { ...OPTIONS, ...options },
  notNullColumns: new Map([['public\0orders', new Set(['id', 'region', 'n'])]]),
});
const TX: TxContext = { xid: 1, commitLsn: lsn(0x200), commitTimeUs: 1n, lastCommitLsn: null };
const NOW = 1700000000123456n;
const value = (r: SinkRecord): Record<string, unknown> => JSON.parse(r.value!.toString('utf8')) as Record<string, unknown>;

/** What the ordinary path writes for a key-only delete of (id, region). */
function streamedDelete(b: EnvelopeBuilder, id: string, region: string): SinkRecord[] {
  return b.records({ kind: 'delete', lsn: lsn(0x100), relation: orders, before: [id, region, null, null], beforeIsKeyOnly: true }, TX, 0, NOW);
}

describe('rawMembers', () => {
  test('top-level members as raw text: nested values, escapes, commas and braces inside strings', () => {
    expect(rawMembers(' { "a" : 9007199254740993 , "b":"x,\\"}y", "c":{"d":[1,{"e":"]"}]},"e\\u0041":null } ')).toEqual(new Map([
      ['a', '9007199254740993'], ['b', '"x,\\"}y"'], ['c', '{"d":[1,{"e":"]"}]}'], ['eA', 'null'],
    ]));
    expect(rawMembers('{}')).toEqual(new Map());
  });

  test.each(['', '42', '"s"', '[1]', '{"a":1', '{"a" 1}', '{"a":1}x', '{a:1}', '{"a":"x}', '\u0000\u0000\u0000\u0001avro'])('%j is not a JSON object', (text) => {
    expect(rawMembers(text)).toBeNull();
  });
});

describe('EnvelopeBuilder.missingRowDelete', () => {
  test('before equals the ordinary key-only delete of the same key; source at the snapshot position; then a tombstone', () => {
    const b = builder();
    const [streamed] = streamedDelete(b, '9007199254740993', 'eu "west"');
    const key = streamed!.key!;
    const out = b.missingRowDelete(orders, key, lsn(0x300), '0/300:d:public.orders:k', NOW);
    expect(out).toHaveLength(2);
    const [del, tomb] = out;
    expect(del!.topic).toBe('shop.public.orders');
    expect(del!.key!.equals(key)).toBe(true);
    expect(del!.id).toBe('0/300:d:public.orders:k');
    expect(del!.headers).toEqual({ op: 'd' });
    // Raw text, so the key's digits beyond 2^53 survive.
    const before = /"before":(\{[^}]*\})/.exec(del!.value!.toString())![1];
    expect(before).toBe(/"before":(\{[^}]*\})/.exec(streamed!.value!.toString())![1]);
    expect(before).toBe('{"id":9007199254740993,"region":"eu \\"west\\"","n":0,"note":null}');
    expect(value(del!)).toMatchObject({ op: 'd', after: null, source: { snapshot: 'false', lsn: 0x300, txId: null, table: 'orders', sequence: '[null,"768"]' } });
    expect(tomb).toEqual({ topic: 'shop.public.orders', key, value: null, headers: { op: 'd' }, id: '0/300:d:public.orders:k:tombstone' });
  });

  test('a hashed key column is hashed in before, as in the ordinary delete; no tombstone when they are off', () => {
    const b = builder({ columnMaskWithHash: ['public.orders.region'], columnHashSalt: 's', tombstonesOnDelete: false });
    const [streamed] = streamedDelete(b, '5', 'eu');
    const out = b.missingRowDelete(orders, streamed!.key!, lsn(0x300), 'id', NOW);
    expect(out).toHaveLength(1);
    expect(value(out[0]!).before).toEqual(value(streamed!).before);
    expect((value(out[0]!).before as Record<string, unknown>).region).not.toBe('eu');
  });

  test('a key that is no JSON object: the delete says nothing it cannot know (before null)', () => {
    const out = builder().missingRowDelete(orders, Buffer.from([0, 0, 0, 0, 1, 2]), lsn(0x300), 'id', NOW);
    expect(value(out[0]!)).toMatchObject({ op: 'd', before: null, after: null });
  });
});

describe('isDeleteRecord', () => {
  test('tombstones and op d end a key; walcast\'s op header wins; without one the envelope says', () => {
    expect(isDeleteRecord({ value: null, op: null })).toBe(true);
    expect(isDeleteRecord({ value: Buffer.from('{"op":"d"}'), op: 'd' })).toBe(true);
    // A column named op with the value d does not fool the header check.
    expect(isDeleteRecord({ value: Buffer.from('{"before":null,"after":{"op":"d"},"op":"c"}'), op: 'c' })).toBe(false);
    expect(isDeleteRecord({ value: Buffer.from('{"before":{"id":1},"after":null,"op":"d"}'), op: null })).toBe(true);
    expect(isDeleteRecord({ value: Buffer.from('{"before":null,"after":{"op":"d"},"op":"u"}'), op: null })).toBe(false);
    expect(isDeleteRecord({ value: Buffer.from([1, 2, 3]), op: null })).toBe(false);
  });
});

import { createHash } from 'node:crypto';
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import type { Relation } from '../../../connector/model/change';
import { EnvelopeBuilder, type TxContext } from '../../../connector/envelope/builder';
import { lsn, parseLsn } from '../../../connector/protocol/lsn';

const BASE: EnvelopeOptions = {
  tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric',
  skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [], columnTruncate: [], columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [],
};
const people: Relation = {
  oid: 1, schema: 'public', table: 'people', replicaIdentity: 'default',
  columns: [
    { name: 'id', typeOid: 23, typeMod: -1, isKey: true }, { name: 'name', typeOid: 1043, typeMod: -1, isKey: true },
    { name: 'bio', typeOid: 25, typeMod: -1, isKey: false }, { name: 'ssn', typeOid: 25, typeMod: -1, isKey: false },
    { name: 'age', typeOid: 23, typeMod: -1, isKey: false },
  ],
};
const TX: TxContext = { xid: 1, commitLsn: parseLsn('0/100'), commitTimeUs: 1n, lastCommitLsn: null };
function insert(o: Partial<EnvelopeOptions>, after: (string | null)[]) {
  const [r] = new EnvelopeBuilder({ connectorName: 's', topicPrefix: 's', database: 'app', version: '0', options: { ...BASE, ...o } })
    .records({ kind: 'insert', lsn: lsn(256), relation: people, after }, TX, 0, 1n);
  return { key: JSON.parse(r!.key!.toString()) as unknown, after: (JSON.parse(r!.value!.toString()) as { after: unknown }).after };
}
const ROW = ['1', 'Émilie', 'Ünïcode 😀 bio', null, '41'];

describe('column controls (semantics as measured against Debezium in compat/columns.test.ts)', () => {
  it('exclude leaves columns out of the value, key columns too, but never out of the key', () => {
    expect(insert({ columnExclude: ['public.people.id', 'public.*.s*'] }, ROW))
      .toEqual({ key: { id: 1, name: 'Émilie' }, after: { name: 'Émilie', bio: 'Ünïcode 😀 bio', age: 41 } });
  });
  it('include keeps only the listed columns in the value', () => {
    expect(insert({ columnInclude: ['public.people.bio'] }, ROW)).toEqual({ key: { id: 1, name: 'Émilie' }, after: { bio: 'Ünïcode 😀 bio' } });
  });
  it('truncate cuts character values in UTF-16 units (as Java), not the key', () => {
    expect(insert({ columnTruncate: ['public.people.name=2', 'public.people.bio=9'] }, ROW))
      .toEqual({ key: { id: 1, name: 'Émilie' }, after: { id: 1, name: 'Ém', bio: 'Ünïcode \ud83d', ssn: null, age: 41 } });
  });
  it('mask replaces character values, null included; other types are left alone', () => {
    expect(insert({ columnMask: ['public.people.ssn=3', 'public.people.age=2'] }, ROW).after).toEqual({ id: 1, name: 'Émilie', bio: 'Ünïcode 😀 bio', ssn: '***', age: 41 });
  });
  it('hash v2: hex digest of salt + UTF-8 value, cut to a varchar(n) length; null stays null; key untouched', () => {
    const sha = (x: string) => createHash('sha256').update('salt' + x, 'utf8').digest('hex');
    const rel = { ...people, columns: people.columns.map((c) => (c.name === 'name' ? { ...c, typeMod: 10 + 4 } : c)) };
    const [r] = new EnvelopeBuilder({ connectorName: 's', topicPrefix: 's', database: 'app', version: '0',
      options: { ...BASE, columnMaskWithHash: ['public.people.name', 'public.people.bio', 'public.people.ssn'], columnHashSalt: 'salt' } })
      .records({ kind: 'insert', lsn: lsn(256), relation: rel, after: ROW }, TX, 0, 1n);
    expect(JSON.parse(r!.key!.toString())).toEqual({ id: 1, name: 'Émilie' });
    expect((JSON.parse(r!.value!.toString()) as { after: unknown }).after)
      .toEqual({ id: 1, name: sha('Émilie').slice(0, 10), bio: sha('Ünïcode 😀 bio'), ssn: null, age: 41 });
  });
  it('messageKeyColumns replaces the key, in the rule\'s order; a key-only old row gives NOT NULL key columns their fallback', () => {
    const notNull = new Map([['public\0people', new Set(['age'])]]);
    const b = new EnvelopeBuilder({ connectorName: 's', topicPrefix: 's', database: 'app', version: '0', notNullColumns: notNull,
      options: { ...BASE, messageKeyColumns: ['public.peo*:age', 'bio', 'public.people:id'] } });
    const [ins] = b.records({ kind: 'insert', lsn: lsn(256), relation: people, after: ROW }, TX, 0, 1n);
    expect(JSON.parse(ins!.key!.toString())).toEqual({ age: 41, bio: 'Ünïcode 😀 bio' });
    const [del] = b.records({ kind: 'delete', lsn: lsn(256), relation: people, before: ['1', 'Émilie', null, null, null], beforeIsKeyOnly: true }, TX, 0, 1n);
    expect(del!.key!.toString()).toBe('{"age":0,"bio":null}');
  });
  it('a hashed NOT NULL column missing from a key-only old row hashes its fallback, as Debezium does', () => {
    const b = new EnvelopeBuilder({ connectorName: 's', topicPrefix: 's', database: 'app', version: '0', notNullColumns: new Map([['public\0people', new Set(['bio'])]]),
      options: { ...BASE, columnMaskWithHash: ['public.people.bio'], columnHashSalt: 'pepper' } });
    const [del] = b.records({ kind: 'delete', lsn: lsn(256), relation: people, before: ['1', 'Ann', null, null, null], beforeIsKeyOnly: true }, TX, 0, 1n);
    expect((JSON.parse(del!.value!.toString()) as { before: { bio: unknown } }).before.bio).toBe(createHash('sha256').update('pepper').digest('hex'));
  });
});

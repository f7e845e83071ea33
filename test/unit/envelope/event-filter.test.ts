import type { EnvelopeOptions } from '../../../connector/envelope/options';
import type { Relation } from '../../../connector/model/change';
import { EnvelopeBuilder, type TxContext } from '../../../connector/envelope/builder';
import { lsn, parseLsn } from '../../../connector/protocol/lsn';

const BASE: EnvelopeOptions = {
  tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric',
  skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [], columnTruncate: [], columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [],
};
const builder = (o: Partial<EnvelopeOptions>) => new EnvelopeBuilder({ connectorName: 's', topicPrefix: 's', database: 'app', version: '0', options: { ...BASE, ...o } });
const t: Relation = {
  oid: 1, schema: 'public', table: 't', replicaIdentity: 'default',
  columns: [{ name: 'id', typeOid: 23, typeMod: -1, isKey: true }, { name: 'v', typeOid: 25, typeMod: -1, isKey: false }],
};
const TX: TxContext = { xid: 1, commitLsn: parseLsn('0/100'), commitTimeUs: 1n, lastCommitLsn: null };
const L = lsn(256);
const insert = { kind: 'insert', lsn: L, relation: t, after: ['1', 'a'] } as const;
const update = { kind: 'update', lsn: L, relation: t, before: null, beforeIsKeyOnly: false, after: ['1', 'b'] } as const;
const keyChange = { kind: 'update', lsn: L, relation: t, before: ['1', null], beforeIsKeyOnly: true, after: ['2', 'b'] } as const;
const del = { kind: 'delete', lsn: L, relation: t, before: ['1', null], beforeIsKeyOnly: true } as const;
const truncate = { kind: 'truncate', lsn: L, relations: [t], cascade: false, restartIdentity: false } as const;
const message = (prefix: string) => ({ kind: 'message', lsn: L, transactional: true, prefix, content: Buffer.from('x') } as const);
const ops = (b: EnvelopeBuilder, evs: readonly Parameters<EnvelopeBuilder['records']>[0][]) =>
  evs.flatMap((e) => b.records(e, TX, 0, 1n)).map((r) => (r.value === null ? 'tombstone' : (JSON.parse(r.value.toString()) as { op: string }).op));

describe('skippedOperations', () => {
  const all = [insert, update, keyChange, del, truncate];
  it('emits everything by default', () => {
    expect(ops(builder({}), all)).toEqual(['c', 'u', 'd', 'tombstone', 'c', 'd', 'tombstone', 't']);
  });
  it('skips deletes with their tombstones, and the delete half of a key change (as Debezium does)', () => {
    expect(ops(builder({ skippedOperations: ['d'] }), all)).toEqual(['c', 'u', 'c', 't']);
  });
  it('skipping creates drops the create half of a key change', () => {
    expect(ops(builder({ skippedOperations: ['c'] }), all)).toEqual(['u', 'd', 'tombstone', 'd', 'tombstone', 't']);
  });
  it('skipping updates skips key changes whole', () => {
    expect(ops(builder({ skippedOperations: ['u', 't'] }), all)).toEqual(['c', 'd', 'tombstone']);
  });
  it('never skips snapshot reads', () => {
    const r = builder({ skippedOperations: ['c', 'u', 'd', 't'] }).snapshotRecord(t, ['1', 'a'], 'true', L, 'x', 1n);
    expect(JSON.parse(r.value!.toString())).toMatchObject({ op: 'r' });
  });
});

describe('logical-message prefix lists (whole-prefix regexes)', () => {
  const prefixes = (o: Partial<EnvelopeOptions>) => ['audit', 'audit.v2', 'xaudit', 'outbox'].filter((p) => builder(o).records(message(p), TX, 0, 1n).length === 1);
  it('include keeps only full matches', () => {
    expect(prefixes({ messagePrefixInclude: ['audit.*'] })).toEqual(['audit', 'audit.v2']);
    expect(prefixes({ messagePrefixInclude: ['audit', 'out.+'] })).toEqual(['audit', 'outbox']);
  });
  it('exclude drops full matches', () => {
    expect(prefixes({ messagePrefixExclude: ['audit'] })).toEqual(['audit.v2', 'xaudit', 'outbox']);
  });
  it('data changes are not affected by the prefix lists', () => {
    expect(ops(builder({ messagePrefixInclude: ['none'] }), [insert])).toEqual(['c']);
  });
});

describe('logical message content', () => {
  it.each([['bytes', 'aGk/'], ['base64', 'aGk/'], ['base64-url-safe', 'aGk_'], ['hex', '68693f']] as const)('is encoded per binaryHandling %s, as Debezium does', (mode, content) => {
    const [r] = builder({ binaryHandling: mode }).records({ kind: 'message', lsn: L, transactional: true, prefix: 'p', content: Buffer.from('hi?') }, TX, 0, 1n);
    expect(JSON.parse(r!.value!.toString())).toMatchObject({ message: { prefix: 'p', content } });
  });
});

import { withPrimaryKeys } from '../../../connector/decode/key-columns';
import type { ChangeEvent, Decoder, Relation } from '../../../connector/model/change';
import { lsn } from '../../../connector/protocol/lsn';

const rel = (replicaIdentity: Relation['replicaIdentity']): Relation => ({
  oid: 1, schema: 'public', table: 't', replicaIdentity,
  columns: [
    { name: 'id', typeOid: 23, typeMod: -1, isKey: true },
    { name: 'v', typeOid: 25, typeMod: -1, isKey: replicaIdentity === 'full' },
  ],
});

const fixed = (events: ChangeEvent[]): Decoder => ({ plugin: 'pgoutput', startOptions: () => '', decode: () => events });

describe('withPrimaryKeys', () => {
  const pks = new Map([['public.t', ['id']]]);

  it('replaces the all-columns key flags of REPLICA IDENTITY FULL with the primary key, once per relation', () => {
    const r = rel('full');
    const d = withPrimaryKeys(fixed([
      { kind: 'update', lsn: lsn(1), relation: r, before: ['1', 'a'], beforeIsKeyOnly: true, after: ['1', 'b'] },
      { kind: 'insert', lsn: lsn(2), relation: r, after: ['2', 'c'] },
    ]), pks);
    const [u, i] = d.decode(Buffer.alloc(0), lsn(0));
    if (u.kind !== 'update' || i.kind !== 'insert') throw new Error('unexpected events');
    expect(u.relation.columns.map((c) => c.isKey)).toEqual([true, false]);
    expect(u.beforeIsKeyOnly).toBe(false);
    expect(i.relation).toBe(u.relation); // stable object: downstream caches key on it
  });

  it('leaves default identity untouched (same event objects)', () => {
    const ev: ChangeEvent = { kind: 'insert', lsn: lsn(1), relation: rel('default'), after: ['1', 'a'] };
    const out = withPrimaryKeys(fixed([ev]), pks).decode(Buffer.alloc(0), lsn(0));
    expect(out[0]).toBe(ev);
  });

  it('a FULL table without a primary key gets no key', () => {
    const out = withPrimaryKeys(fixed([{ kind: 'insert', lsn: lsn(1), relation: rel('full'), after: ['1', 'a'] }]), new Map())
      .decode(Buffer.alloc(0), lsn(0));
    expect(out[0].kind === 'insert' && out[0].relation.columns.some((c) => c.isKey)).toBe(false);
  });
});

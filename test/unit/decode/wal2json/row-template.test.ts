/**
 * Rows of known relations are read through a RowTemplate instead of JSON.parse. Whatever the
 * payload, the events must be exactly what the general path (JSON.parse, rowTemplates: false)
 * gives; the template may only decline. Payloads are printed in wal2json's own key order.
 */
import { createWal2jsonDecoder } from '../../../../connector/decode/wal2json';
import { holdsAt } from '../../../../connector/decode/wal2json/row-template';
import type { ChangeEvent } from '../../../../connector/model/change';
import { UNCHANGED_TOAST } from '../../../../connector/model/change';
import { lsn, parseLsn } from '../../../../connector/protocol/lsn';
import workload from '../../../fixtures/wal2json/workload.json';

/** [name, type, typeoid, raw JSON value text] */
type Col = readonly [string, string, number, string];
const HEAD = '"xid":7,"timestamp":"2026-12-01 10:00:00.1+00","lsn":"0/10"';

function entries(cols: readonly Col[], withValue = true): string {
  return cols.map(([n, t, o, v]) => `{"name":${JSON.stringify(n)},"type":${JSON.stringify(t)},"typeoid":${o}${withValue ? `,"value":${v}` : ''}}`).join(',');
}

function payload(action: 'I' | 'U' | 'D', table: string, cols: readonly Col[] | null, identity: readonly Col[] | null, pk: readonly Col[]): Buffer {
  let s = `{"action":"${action}",${HEAD},"schema":"public","table":${JSON.stringify(table)}`;
  if (cols !== null) s += `,"columns":[${entries(cols)}]`;
  if (identity !== null) s += `,"identity":[${entries(identity)}]`;
  s += `,"pk":[${entries(pk, false)}]}`;
  return Buffer.from(s, 'utf8');
}

const ID: Col = ['id', 'bigint', 20, '1'];
const cols = (id: string, name: string, bin: string, flag: string, amount: string): Col[] => [
  ['id', 'bigint', 20, id], ['name', 'text', 25, name], ['bin', 'bytea', 17, bin],
  ['flag', 'boolean', 16, flag], ['amount', 'numeric(12,2)', 1700, amount]];

/** Decodes the payloads with and without templates; returns the templated events and the hit count. */
function both(payloads: readonly Buffer[]): { events: ChangeEvent[]; templated: number } {
  const fast = createWal2jsonDecoder({ tables: null, messages: true });
  const slow = createWal2jsonDecoder({ tables: null, messages: true }, { rowTemplates: false });
  const events: ChangeEvent[] = [];
  payloads.forEach((p, i) => {
    const f = [...fast.decode(p, lsn(16 + i))];
    expect(f).toEqual([...slow.decode(p, lsn(16 + i))]);
    events.push(...f);
  });
  expect(slow.templatedRows).toBe(0);
  return { events, templated: fast.templatedRows };
}

test('holdsAt answers what startsWith at a position answers', () => {
  const texts = ['{"name":"id","value":1}', 'caf\u00e9 "x"', '\u{1f600}ab', ''];
  const pieces = ['', '"', '"name"', '{"name":"id","value":1}', '{"name":"id","value":1}}', 'caf\u00e9', '\ud83d', '\ude00ab', 'ab', 'b', 'x"'];
  let held = 0;
  for (const t of texts) {
    for (let pos = 0; pos <= t.length + 1; pos++) {
      for (const s of pieces) {
        expect([t, pos, s, holdsAt(t, pos, s)]).toEqual([t, pos, s, t.startsWith(s, pos)]);
        if (s !== '' && t.startsWith(s, pos)) held++;
      }
    }
  }
  expect(held).toBeGreaterThan(5);
});

describe('wal2json row templates', () => {
  it('reads the second row of a table by template: strings, numbers, bytea, booleans, null', () => {
    const { events, templated } = both([
      payload('I', 't', cols('1', '"a"', '"00"', 'true', '1.50'), null, [ID]),
      payload('I', 't', cols('9007199254740993', '"x y ü"', '"dead"', 'false', '-1.5e3'), null, [ID]),
      payload('I', 't', cols('3', 'null', 'null', 'null', 'null'), null, [ID]),
    ]);
    expect(templated).toBe(2);
    expect(events.map((e) => e.kind)).toEqual(['relation', 'insert', 'insert', 'insert']);
    expect(events[2]).toMatchObject({ kind: 'insert', lsn: 17n, after: ['9007199254740993', 'x y ü', '\\xdead', 'f', '-1.5e3'] });
    expect(events[3]).toMatchObject({ after: ['3', null, null, null, null] });
  });

  it('updates and deletes: key unchanged, key changed, FULL identity', () => {
    const pkCols = cols('1', '"a"', '"00"', 'true', '1.00');
    const { events, templated } = both([
      payload('I', 'u', pkCols, null, [ID]),
      payload('U', 'u', cols('1', '"b"', '"00"', 'true', '2.00'), [ID], [ID]),
      payload('U', 'u', cols('2', '"b"', '"00"', 'true', '2.00'), [ID], [ID]),
      payload('D', 'u', null, [['id', 'bigint', 20, '2']], [ID]),
      // REPLICA IDENTITY FULL from here: the first such row is read in full, the next by template.
      payload('U', 'u', cols('2', '"c"', '"00"', 'true', '2.00'), cols('2', '"b"', '"00"', 'true', '2.00'), [ID]),
      payload('U', 'u', cols('2', '"d"', '"00"', 'true', '2.00'), cols('2', '"c"', '"00"', 'true', '2.00'), [ID]),
      payload('D', 'u', null, cols('2', '"d"', '"00"', 'true', '2.00'), [ID]),
    ]);
    expect(templated).toBe(5);
    const rows = events.filter((e) => e.kind !== 'relation');
    expect(rows[1]).toMatchObject({ kind: 'update', before: null, beforeIsKeyOnly: false });
    expect(rows[2]).toMatchObject({ kind: 'update', before: ['1', null, null, null, null], beforeIsKeyOnly: true });
    expect(rows[3]).toMatchObject({ kind: 'delete', before: ['2', null, null, null, null], beforeIsKeyOnly: true });
    expect(rows[5]).toMatchObject({ kind: 'update', before: ['2', 'c', '\\x00', 't', '2.00'], beforeIsKeyOnly: false, relation: { replicaIdentity: 'full' } });
    expect(rows[6]).toMatchObject({ kind: 'delete', before: ['2', 'd', '\\x00', 't', '2.00'], beforeIsKeyOnly: false });
  });

  it('declines what differs from the cached relation: escapes, a new column, unchanged TOAST, another pk, extra text', () => {
    const base = cols('1', '"a"', '"00"', 'true', '1.00');
    const { events, templated } = both([
      payload('I', 'v', base, null, [ID]),
      payload('I', 'v', cols('2', '"say \\"hi\\"\\n"', '"00"', 'true', '1.00'), null, [ID]),
      payload('I', 'v', [...base, ['extra', 'integer', 23, '5']], null, [ID]),
      payload('I', 'v', base, null, [ID]),
      payload('U', 'v', base.filter(([n]) => n !== 'name'), [ID], [ID]),
      payload('I', 'v', base, null, [ID, ['name', 'text', 25, '']]),
      Buffer.from(payload('I', 'v', base, null, [ID]).toString().replace(/}$/, ',"x":1}')),
    ]);
    expect(templated).toBe(0);
    const rows = events.filter((e) => e.kind !== 'relation');
    expect(rows[1]).toMatchObject({ after: ['2', 'say "hi"\n', '\\x00', 't', '1.00'] });
    expect(rows[4]).toMatchObject({ kind: 'update', after: ['1', UNCHANGED_TOAST, '\\x00', 't', '1.00'] });
    // base, with "extra", base again, the other pk, base pk again.
    expect(events.filter((e) => e.kind === 'relation')).toHaveLength(5);
  });

  it('leaves malformed values to the general path, which rejects them', () => {
    const dec = createWal2jsonDecoder({ tables: null, messages: true });
    dec.decode(payload('I', 'w', cols('1', '"a"', '"00"', 'true', '1.00'), null, [ID]), lsn(1));
    expect(() => dec.decode(payload('I', 'w', cols('-', '"a"', '"00"', 'true', '1.00'), null, [ID]), lsn(2))).toThrow(/not JSON/);
    expect(() => dec.decode(payload('I', 'w', cols('1', 'nul', '"00"', 'true', '1.00'), null, [ID]), lsn(3))).toThrow(/not JSON/);
    expect(dec.templatedRows).toBe(0);
  });

  it('decodes the recorded PostgreSQL workload identically twice over, the second pass mostly by template', () => {
    const payloads = workload.messages.map((m) => Buffer.from(m.data, 'utf8'));
    const fast = createWal2jsonDecoder({ tables: null, messages: true });
    const slow = createWal2jsonDecoder({ tables: null, messages: true }, { rowTemplates: false });
    for (const round of [0, 1]) {
      workload.messages.forEach((m, i) => {
        expect([...fast.decode(payloads[i], parseLsn(m.lsn))]).toEqual([...slow.decode(payloads[i], parseLsn(m.lsn))]);
      });
      if (round === 0) expect(fast.templatedRows).toBeGreaterThan(0);
    }
    expect(fast.templatedRows).toBeGreaterThan(15);
  });
});

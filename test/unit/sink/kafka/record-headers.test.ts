import { ID_HEADER, RecordHeaders } from '../../../../connector/sink/kafka/record-headers';

const decode = (m: Map<Buffer, Buffer>): [string, string][] => [...m].map(([k, v]) => [k.toString('utf8'), v.toString('utf8')]);

test('record headers in order, then the id header last, as UTF-8 bytes', () => {
  const h = new RecordHeaders();
  expect(decode(h.toMap({ op: 'c', '__debezium.oldkey': '{"id":"ü"}' }, '0/16E8A58:1'))).toEqual([
    ['op', 'c'], ['__debezium.oldkey', '{"id":"ü"}'], [ID_HEADER, '0/16E8A58:1'],
  ]);
  expect(decode(h.toMap(undefined, 'heartbeat:1'))).toEqual([[ID_HEADER, 'heartbeat:1']]);
  expect(decode(h.toMap(Object.freeze({}), 'x:2'))).toEqual([[ID_HEADER, 'x:2']]);
});

test('a record header named like the id header can neither replace nor duplicate the id', () => {
  const m = new RecordHeaders().toMap({ [ID_HEADER]: 'forged', op: 'u' }, '0/1:3');
  expect(decode(m)).toEqual([['op', 'u'], [ID_HEADER, '0/1:3']]);
});

test('a frozen (shared) header object is encoded once; a per-record one each time', () => {
  const h = new RecordHeaders();
  const shared = Object.freeze({ op: 'c' });
  const [a] = [...h.toMap(shared, '0/1:1')];
  const [b] = [...h.toMap(shared, '0/1:2')];
  expect(a![0]).toBe(b![0]);
  expect(a![1]).toBe(b![1]);
  // Not frozen: values may differ per record, so nothing is reused from an earlier object.
  const first = h.toMap({ op: 'd', '__debezium.newkey': '{"id":1}' }, '0/1:3');
  const second = h.toMap({ op: 'd', '__debezium.newkey': '{"id":2}' }, '0/1:4');
  expect(decode(first)[1]).toEqual(['__debezium.newkey', '{"id":1}']);
  expect(decode(second)[1]).toEqual(['__debezium.newkey', '{"id":2}']);
  // The id bytes are the record's own each time.
  const ids = [...h.toMap(shared, '0/1:5').values()];
  expect(ids[1]!.toString()).toBe('0/1:5');
});

test('header names past the name cache bound are still encoded right', () => {
  const h = new RecordHeaders();
  for (let i = 0; i < 100; i++) {
    const m = h.toMap({ [`h${i}`]: String(i) }, `id:${i}`);
    expect(decode(m)).toEqual([[`h${i}`, String(i)], [ID_HEADER, `id:${i}`]]);
  }
});

test('bytes() is the sum of the header names and values toMap() writes, for shared and per-record objects', () => {
  const h = new RecordHeaders();
  const size = (m: Map<Buffer, Buffer>): number => [...m].reduce((n, [k, v]) => n + k.length + v.length, 0);
  const shared = Object.freeze({ op: 'c' });
  const mutable: Record<string, string> = { 'ünï': 'välue' };
  for (const [headers, id] of [[shared, '0/16B3748:0'], [shared, '0/16B3748:12345'], [mutable, '0/1:ü'], [undefined, 'x']] as const) {
    expect(h.bytes(headers, id)).toBe(size(h.toMap(headers, id)));
  }
  mutable['ünï'] = 'longer value now';
  expect(h.bytes(mutable, '1')).toBe(size(h.toMap(mutable, '1')));
  expect(h.bytes(shared, '1')).toBe('op'.length + 'c'.length + 'walcast.id'.length + 1);
});

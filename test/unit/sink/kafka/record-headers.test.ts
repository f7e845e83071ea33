import { ID_HEADER, ID_VALUE_SLOT, idHeaderValue, RecordHeaders } from '../../../../connector/sink/kafka/record-headers';

/**
 * The headers as the producer sends them: the Map toMap() gives, each value through the header
 * value serializer with the message's metadata (the record's id bytes), as producer.js #send does.
 */
type Sent = Map<Buffer, Buffer>;
function sent(h: RecordHeaders, headers: Readonly<Record<string, string>> | undefined, id: string): Sent {
  const metadata = h.idBytes(id);
  const out: Sent = new Map();
  for (const [k, v] of h.toMap(headers)) out.set(k, idHeaderValue(v, metadata)!);
  return out;
}
const decode = (m: Sent): [string, string][] => [...m].map(([k, v]) => [k.toString('utf8'), v.toString('utf8')]);

test('record headers in order, then the id header last, as UTF-8 bytes', () => {
  const h = new RecordHeaders();
  expect(decode(sent(h, { op: 'c', '__debezium.oldkey': '{"id":"ü"}' }, '0/16E8A58:1'))).toEqual([
    ['op', 'c'], ['__debezium.oldkey', '{"id":"ü"}'], [ID_HEADER, '0/16E8A58:1'],
  ]);
  expect(decode(sent(h, undefined, 'heartbeat:1'))).toEqual([[ID_HEADER, 'heartbeat:1']]);
  expect(decode(sent(h, Object.freeze({}), 'x:2'))).toEqual([[ID_HEADER, 'x:2']]);
});

test('a record header named like the id header can neither replace nor duplicate the id', () => {
  const m = sent(new RecordHeaders(), { [ID_HEADER]: 'forged', op: 'u' }, '0/1:3');
  expect(decode(m)).toEqual([['op', 'u'], [ID_HEADER, '0/1:3']]);
});

test('a frozen (shared) header object is encoded once; a per-record one each time', () => {
  const h = new RecordHeaders();
  const shared = Object.freeze({ op: 'c' });
  const [a] = [...sent(h, shared, '0/1:1')];
  const [b] = [...sent(h, shared, '0/1:2')];
  expect(a![0]).toBe(b![0]);
  expect(a![1]).toBe(b![1]);
  // Not frozen: values may differ per record, so nothing is reused from an earlier object.
  const first = sent(h, { op: 'd', '__debezium.newkey': '{"id":1}' }, '0/1:3');
  const second = sent(h, { op: 'd', '__debezium.newkey': '{"id":2}' }, '0/1:4');
  expect(decode(first)[1]).toEqual(['__debezium.newkey', '{"id":1}']);
  expect(decode(second)[1]).toEqual(['__debezium.newkey', '{"id":2}']);
  // The id bytes are the record's own each time.
  const ids = [...sent(h, shared, '0/1:5').values()];
  expect(ids[1]!.toString()).toBe('0/1:5');
});

test('header names past the name cache bound are still encoded right', () => {
  const h = new RecordHeaders();
  for (let i = 0; i < 100; i++) {
    const m = sent(h, { [`h${i}`]: String(i) }, `id:${i}`);
    expect(decode(m)).toEqual([[`h${i}`, String(i)], [ID_HEADER, `id:${i}`]]);
  }
});

test('bytes() is the sum of the header names and values toMap() writes, for shared and per-record objects', () => {
  const h = new RecordHeaders();
  const size = (m: Map<Buffer, Buffer>): number => [...m].reduce((n, [k, v]) => n + k.length + v.length, 0);
  const shared = Object.freeze({ op: 'c' });
  const mutable: Record<string, string> = { 'ünï': 'välue' };
  for (const [headers, id] of [[shared, '0/16B3748:0'], [shared, '0/16B3748:12345'], [mutable, '0/1:ü'], [undefined, 'x']] as const) {
    expect(h.bytes(headers, id)).toBe(size(sent(h, headers, id)));
  }
  mutable['ünï'] = 'longer value now';
  expect(h.bytes(mutable, '1')).toBe(size(sent(h, mutable, '1')));
  expect(h.bytes(shared, '1')).toBe('op'.length + 'c'.length + 'walcast.id'.length + 1);
});

test('records with the same frozen headers share one Map; the id travels in the metadata, put in place by the serializer', () => {
  const h = new RecordHeaders();
  const shared = Object.freeze({ op: 'c' });
  expect(h.toMap(shared)).toBe(h.toMap(shared));
  expect(h.toMap(undefined)).toBe(h.toMap(undefined));
  expect([...h.toMap(shared).values()][1]).toBe(ID_VALUE_SLOT);
  // Not frozen: a Map of its own each time.
  expect(h.toMap({ op: 'd' })).not.toBe(h.toMap({ op: 'd' }));
  // Other header values pass through untouched (same object).
  const c = Buffer.from('c');
  expect(idHeaderValue(c, undefined)).toBe(c);
  // The slot without id bytes is a programming error, not a silent wrong id.
  expect(() => idHeaderValue(ID_VALUE_SLOT, undefined)).toThrow(/walcast.id/);
  expect(() => idHeaderValue(ID_VALUE_SLOT, 'not bytes')).toThrow(/walcast.id/);
});

import { headerKeySerializer, headerValueSerializer } from '../../../../connector/sink/kafka/header-serializers';

test('header serializers: UTF-8 bytes like the library\'s string serializer; names and op codes encoded once', () => {
  const key = headerKeySerializer();
  const value = headerValueSerializer();
  expect(key('walcast.id')).toEqual(Buffer.from('walcast.id'));
  expect(key('walcast.id')).toBe(key('walcast.id'));
  expect(value('c')).toBe(value('c'));
  expect(value('ü')).toEqual(Buffer.from('ü'));
  // Ids vary per record: a fresh buffer each time, never kept.
  expect(value('0/16E8A58:1')).toEqual(Buffer.from('0/16E8A58:1'));
  expect(value('0/16E8A58:1')).not.toBe(value('0/16E8A58:1'));
  expect(value(undefined)).toBeUndefined();
});

test('header key cache is bounded: past 64 names, each call encodes afresh (and still correctly)', () => {
  const key = headerKeySerializer();
  for (let i = 0; i < 64; i++) key(`h${i}`);
  expect(key('h0')).toBe(key('h0'));
  expect(key('late')).toEqual(Buffer.from('late'));
  expect(key('late')).not.toBe(key('late'));
});

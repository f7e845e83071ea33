import { recordHeaders } from '../../../../connector/sink/nats/message';

describe('recordHeaders', () => {
  it('carries the record headers and the key JSON text', () => {
    const h = recordHeaders({ topic: 't.s.x', id: '0/1:0', key: Buffer.from('{"id":42}'), value: Buffer.from('{}'), headers: { 'walcast-op': 'c' } });
    expect(h.get('Nats-Msg-Id')).toBe('0/1:0');
    expect(h.get('walcast-op')).toBe('c');
    expect(h.get('walcast-key')).toBe('{"id":42}');
    expect(h.has('walcast-key-encoding')).toBe(false);
  });

  it('omits the key header for keyless tables and keeps JSON one line', () => {
    expect(recordHeaders({ topic: 't', id: '1', key: null, value: Buffer.from('{}') }).has('walcast-key')).toBe(false);
    const h = recordHeaders({ topic: 't', id: '1', key: Buffer.from('{\n "id": 1\r\n}'), value: null });
    expect(JSON.parse(h.get('walcast-key'))).toEqual({ id: 1 });
  });

  it('base64-encodes a binary key and flags it', () => {
    const key = Buffer.from([0x00, 0x02, 0xff, 0x10]);
    const h = recordHeaders({ topic: 't', id: '1', key, value: Buffer.from('x') });
    expect(h.get('walcast-key-encoding')).toBe('base64');
    expect(Buffer.from(h.get('walcast-key'), 'base64')).toEqual(key);
  });

  it('keeps a UTF-8 key as text and sends invalid UTF-8 or control characters as base64', () => {
    const text = recordHeaders({ topic: 't', id: '1', key: Buffer.from('{"name":"zoë ✓\t"}'), value: Buffer.from('x') });
    expect(text.get('walcast-key')).toBe('{"name":"zoë ✓\t"}');
    expect(text.has('walcast-key-encoding')).toBe(false);
    for (const key of [Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), Buffer.from([0x7b, 0x01, 0x7d]), Buffer.from([0x41, 0x7f])]) {
      const h = recordHeaders({ topic: 't', id: '1', key, value: Buffer.from('x') });
      expect(h.get('walcast-key-encoding')).toBe('base64');
      expect(Buffer.from(h.get('walcast-key'), 'base64')).toEqual(key);
    }
  });
});

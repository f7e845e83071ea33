import { isConnectorError } from '../../../connector/errors';
import { BufferReader } from '../../../connector/protocol/reader';
import { BufferWriter } from '../../../connector/protocol/writer';
import { bytes } from './bytes';

describe('BufferReader', () => {
  it('reads big-endian integers, bigint int64/uint64, cstrings and views', () => {
    const buf = bytes()
      .u8(0xfe).i16(-2).i32(-3).u32(0xfffffffe).i64(-5n).u64(0xffffffffffffff00n)
      .cstr('héllo ✓').raw([1, 2, 3]).build();
    const r = new BufferReader(buf);
    expect(r.uint8()).toBe(0xfe);
    expect(r.int16()).toBe(-2);
    expect(r.int32()).toBe(-3);
    expect(r.uint32()).toBe(0xfffffffe);
    expect(r.int64()).toBe(-5n);
    expect(r.uint64()).toBe(0xffffffffffffff00n);
    expect(r.cstring()).toBe('héllo ✓');
    expect(r.remaining).toBe(3);
    const view = r.bytes(3);
    expect([...view]).toEqual([1, 2, 3]);
    expect(view.buffer).toBe(buf.buffer); // a view, not a copy
    expect(r.remaining).toBe(0);
    expect(r.offset).toBe(buf.length);
  });

  it('throws PROTOCOL on overrun without moving', () => {
    const r = new BufferReader(Buffer.from([0, 1, 2]));
    expect(() => r.int32()).toThrow(/Int32 needs 4 byte\(s\) at offset 0, 3 left/);
    expect(r.offset).toBe(0);
    r.uint8();
    expect(() => r.bytes(3)).toThrow();
    expect(() => r.int64()).toThrow();
    try {
      r.utf8(5);
    } catch (e) {
      expect(isConnectorError(e, 'PROTOCOL')).toBe(true);
    }
  });

  it('decodes utf8(n) for short and long, ASCII and non-ASCII values', () => {
    for (const v of ['', 'a', '12345', 'ü', 'abc😀', 'x'.repeat(24), 'é'.repeat(12), 'y'.repeat(25), 'long ünïcødé value ✓✓✓✓✓✓']) {
      const b = Buffer.from(v, 'utf8');
      const r = new BufferReader(Buffer.concat([Buffer.from([0xff]), b, Buffer.from([0xc3])]), 1);
      expect(r.utf8(b.length)).toBe(v);
      expect(r.remaining).toBe(1);
    }
  });

  it('rejects an unterminated cstring and negative lengths', () => {
    expect(() => new BufferReader(Buffer.from('abc')).cstring()).toThrow(/unterminated/);
    expect(() => new BufferReader(Buffer.from([0, 0])).bytes(-1)).toThrow(/negative/);
  });

  it('respects a window: a NUL after the end does not terminate a cstring', () => {
    const buf = Buffer.from([0x61, 0x62, 0x00]);
    expect(() => new BufferReader(buf, 0, 2).cstring()).toThrow(/unterminated/);
    expect(new BufferReader(buf, 1).cstring()).toBe('b');
  });
});

describe('BufferWriter', () => {
  it('writes what the reader reads, growing as needed', () => {
    const w = new BufferWriter(1).uint8(7).int16(-1).int32(-2).uint32(0xffffffff).int64(-3n).uint64(1n << 63n).cstring('ü').bytes(Buffer.from([9]));
    const r = new BufferReader(w.toBuffer());
    expect([r.uint8(), r.int16(), r.int32(), r.uint32(), r.int64(), r.uint64(), r.cstring(), r.uint8()]).toEqual([
      7, -1, -2, 0xffffffff, -3n, 1n << 63n, 'ü', 9,
    ]);
    expect(r.remaining).toBe(0);
  });

  it('frames: code, Int32 length counting itself, payload', () => {
    expect(new BufferWriter().cstring('x').frame(0x51)).toEqual(bytes().char('Q').i32(6).cstr('x').build());
    expect(new BufferWriter().frame(0x63)).toEqual(Buffer.from([0x63, 0, 0, 0, 4]));
  });
});

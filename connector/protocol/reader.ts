/**
 * Bounds-checked big-endian reader over one Buffer (PostgreSQL's wire format is network order).
 * Sans-IO: it never owns the bytes; `bytes(n)` returns a view into the same memory, so a caller
 * that keeps such a view past the life of the underlying buffer must copy it.
 */
import { ConnectorError } from '../errors';

export class BufferReader {
  private pos: number;
  private readonly end: number;

  constructor(private readonly buf: Buffer, start = 0, end = buf.length) {
    if (start < 0 || end > buf.length || start > end) {
      throw new ConnectorError('PROTOCOL', `reader window [${start}, ${end}) outside a ${buf.length}-byte buffer`);
    }
    this.pos = start;
    this.end = end;
  }

  /** Position relative to the start of the underlying buffer. */
  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): number {
    const at = this.pos;
    if (at + n > this.end) {
      throw new ConnectorError('PROTOCOL', `message too short: ${what} needs ${n} byte(s) at offset ${at}, ${this.end - at} left`, {
        context: { offset: at },
      });
    }
    this.pos = at + n;
    return at;
  }

  uint8(): number {
    return this.buf[this.need(1, 'Byte1')];
  }

  int8(): number {
    return this.buf.readInt8(this.need(1, 'Int8'));
  }

  int16(): number {
    return this.buf.readInt16BE(this.need(2, 'Int16'));
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.need(2, 'UInt16'));
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4, 'Int32'));
  }

  /** OIDs and xids are unsigned 32-bit on the wire. */
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4, 'UInt32'));
  }

  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8, 'Int64'));
  }

  /** LSNs and other uint64 counters. */
  uint64(): bigint {
    return this.buf.readBigUInt64BE(this.need(8, 'UInt64'));
  }

  /** A NUL-terminated UTF-8 string (PostgreSQL "String"); the terminator is consumed. */
  cstring(): string {
    const start = this.pos;
    const nul = this.buf.indexOf(0, start);
    if (nul < 0 || nul >= this.end) {
      throw new ConnectorError('PROTOCOL', `unterminated string at offset ${start}`, { context: { offset: start } });
    }
    this.pos = nul + 1;
    return this.buf.toString('utf8', start, nul);
  }

  /**
   * `n` bytes decoded as UTF-8 (no intermediate view allocated), by one call into the native
   * decoder for any length: building short ASCII values in JS by concatenation measured slower
   * (116 vs 68 ns for 6-29 characters) and left one intermediate string per character.
   */
  utf8(n: number): string {
    const at = this.skip(n, 'String');
    return this.buf.toString('utf8', at, at + n);
  }

  /** Skips the next `n` bytes (bounds-checked) and returns where they start: read them later with textAt/asciiText. */
  skip(n: number, what = 'skip'): number {
    if (n < 0) throw new ConnectorError('PROTOCOL', `negative length ${n} at offset ${this.pos}`, { context: { offset: this.pos } });
    return this.need(n, what);
  }

  /** Bytes [start, end) of the buffer (offsets as `offset` gives them, already read) decoded as UTF-8. */
  textAt(start: number, end: number): string {
    return this.buf.toString('utf8', start, end);
  }

  /**
   * Bytes [start, end) as one string when every one of them is ASCII, else null: decoded as
   * UTF-8 once, the string has one character per byte and no replacement character only when
   * each byte was a character of its own (a multi-byte character is shorter than its bytes, an
   * invalid byte becomes U+FFFD). One native call for a whole span, where a caller slices several
   * values out of it, and nothing else allocated.
   */
  asciiText(start: number, end: number): string | null {
    const text = this.buf.toString('utf8', start, end);
    return text.length === end - start && !text.includes('\ufffd') ? text : null;
  }

  /** A view (no copy) of the next `n` bytes. */
  bytes(n: number): Buffer {
    const at = this.skip(n, 'Byte' + n);
    return this.buf.subarray(at, at + n);
  }

  /** A view of everything left. */
  rest(): Buffer {
    const at = this.pos;
    this.pos = this.end;
    return this.buf.subarray(at, this.end);
  }
}

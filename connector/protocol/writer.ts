/**
 * Small growable big-endian writer for frontend messages. Frontend messages, like backend ones,
 * are Byte1 code + Int32 length (counting itself, not the code) + payload; `frame()` handles
 * the length so callers write only the payload.
 */
export class BufferWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 64) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  /** Reserves n bytes and returns their offset; may replace this.buf, so call it before touching this.buf. */
  private ensure(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    this.pos = at + n;
    return at;
  }

  uint8(v: number): this {
    const at = this.ensure(1);
    this.buf.writeUInt8(v, at);
    return this;
  }

  int16(v: number): this {
    const at = this.ensure(2);
    this.buf.writeInt16BE(v, at);
    return this;
  }

  int32(v: number): this {
    const at = this.ensure(4);
    this.buf.writeInt32BE(v, at);
    return this;
  }

  uint32(v: number): this {
    const at = this.ensure(4);
    this.buf.writeUInt32BE(v, at);
    return this;
  }

  int64(v: bigint): this {
    const at = this.ensure(8);
    this.buf.writeBigInt64BE(v, at);
    return this;
  }

  uint64(v: bigint): this {
    const at = this.ensure(8);
    this.buf.writeBigUInt64BE(v, at);
    return this;
  }

  /** UTF-8 text followed by a NUL terminator (PostgreSQL "String"). */
  cstring(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    const at = this.ensure(n + 1);
    this.buf.write(s, at, n, 'utf8');
    this.buf[at + n] = 0;
    return this;
  }

  /** UInt32 byte length, then the UTF-8 bytes (no terminator). */
  utf8WithLength(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    const at = this.ensure(4 + n);
    this.buf.writeUInt32BE(n, at);
    this.buf.write(s, at + 4, n, 'utf8');
    return this;
  }

  /** Overwrites 4 bytes already written at `at` (a length known only after the body). */
  patchUint32(at: number, v: number): this {
    if (at + 4 > this.pos) throw new RangeError(`patch at ${at} beyond the ${this.pos} bytes written`);
    this.buf.writeUInt32BE(v, at);
    return this;
  }

  /** A view of the bytes written so far: valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Forgets what was written, keeping the allocated buffer. */
  reset(): void {
    this.pos = 0;
  }

  bytes(b: Uint8Array): this {
    const at = this.ensure(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** The bytes written so far, as a fresh Buffer the caller owns. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** The bytes written so far wrapped as one message: code + Int32 length + payload. */
  frame(code: number): Buffer {
    const out = Buffer.allocUnsafe(5 + this.pos);
    out[0] = code;
    out.writeInt32BE(4 + this.pos, 1);
    this.buf.copy(out, 5, 0, this.pos);
    return out;
  }
}

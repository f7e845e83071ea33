/**
 * Fluent byte builder for protocol fixtures (big-endian, like the wire).
 *   bytes().char('w').u64(1n).cstr('x').build()
 *   bytes().message('d', bytes().char('k').u64(5n).u64(0n).u8(1)).build()
 */
export class Bytes {
  private readonly parts: Buffer[] = [];

  u8(v: number): this {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }

  /** One ASCII character as a byte (message codes, tags). */
  char(c: string): this {
    return this.u8(c.charCodeAt(0));
  }

  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }

  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }

  i64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    this.parts.push(b);
    return this;
  }

  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.parts.push(b);
    return this;
  }

  /** UTF-8 plus the NUL terminator. */
  cstr(s: string): this {
    this.parts.push(Buffer.from(s, 'utf8'), Buffer.from([0]));
    return this;
  }

  raw(b: Uint8Array | number[] | string): this {
    this.parts.push(typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b));
    return this;
  }

  /** A pgoutput TupleData text column: 't' Int32 len bytes. */
  text(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.char('t').i32(b.length).raw(b);
  }

  /** A whole protocol message: Byte1 code, Int32 length (itself + payload), payload. */
  message(code: string, payload: Bytes | Buffer = Buffer.alloc(0)): this {
    const body = payload instanceof Bytes ? payload.build() : payload;
    return this.char(code).i32(body.length + 4).raw(body);
  }

  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function bytes(): Bytes {
  return new Bytes();
}

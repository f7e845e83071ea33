/**
 * The output area the fast encoder writes records into: keys and values go byte by byte into
 * one large Buffer, and each finished key or value is handed out as a view of it (subarray, no
 * copy). This replaces, per record, a JSON string concatenated from a dozen parts and then
 * encoded by Buffer.from: the flattening and the encoding were an eighth of the streaming
 * profile, and the intermediate strings a good part of the garbage.
 *
 * A record is written between begin() and end(). When it does not fit, it moves to a new slab
 * (the bytes written so far are copied along); views handed out earlier keep their slab alive
 * until the records are gone, so a slab lives as long as its last unacknowledged record.
 * Nobody writes into a handed-out view: sinks only read record bytes.
 */
const SLAB_BYTES = 64 * 1024;
/** Strings up to this length are copied by a JS loop when ASCII: cheaper than the native call. */
const SHORT_TEXT = 48;
/** Byte arrays up to this length (member names, separators) are copied by a JS loop: TypedArray set is a native call. */
const SHORT_BYTES = 32;
/**
 * quotedAscii copies strings up to this length by a JS loop that checks each character; longer
 * ones with one native UTF-8 copy (place), then a check of the copied bytes. Measured per call
 * (Node 24, ASCII text): 30 characters 76-105 ns either way; 60: 143-149 ns by the loop, 100 ns
 * copied; 120: 300-355 ns against 156-167.
 */
const QUOTED_LOOP_MAX = 40;
/** Longer strings go to quotedAscii's caller's general path (a scan and one native call). */
const QUOTED_ASCII_MAX = 256;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** An ASCII code JSON.stringify escapes inside a string: '"', '\\' and the C0 controls. */
const escapedInJson = (c: number): boolean => c < 0x20 || c === QUOTE || c === BACKSLASH;

export class ByteSlab {
  private buf: Buffer = Buffer.allocUnsafe(SLAB_BYTES);
  private pos = 0;
  /** Where the record being written starts. */
  private start = 0;

  /** Starts a record, dropping whatever an earlier, unfinished one left (a converter that threw). */
  begin(): void {
    this.pos = this.start;
  }

  /** The bytes written since begin() or the last end(), as a view; the next part starts after them. */
  end(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    if (n <= SHORT_BYTES) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = b[i]!;
      this.pos = p;
      return;
    }
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  /** The first `n` bytes of `b` (a small scratch array: no view made of it). */
  prefix(b: Uint8Array, n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  /** A string as UTF-8. */
  text(s: string): void {
    const n = s.length;
    if (this.pos + 3 * n > this.buf.length) this.grow(3 * n);
    const buf = this.buf;
    if (n <= SHORT_TEXT) {
      let p = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        this.pos = p;
        return;
      }
    }
    this.pos += buf.write(s, this.pos, 'utf8');
  }

  /**
   * '"' + s + '"' when s is ASCII with nothing JSON escapes in it ('"', '\\', C0 controls): what
   * JSON.stringify writes for it. Otherwise writes nothing and returns false (the caller takes
   * its general path). Up to QUOTED_LOOP_MAX characters one JS pass copies and checks; longer
   * strings are copied natively (place) and their bytes checked in place.
   */
  quotedAscii(s: string): boolean {
    const n = s.length;
    if (n > QUOTED_ASCII_MAX) return false;
    if (n > QUOTED_LOOP_MAX) {
      const at = this.place(s, 1, 1);
      if (at < 0) return false;
      const bytes = this.area;
      const end = at + n;
      for (let i = at; i < end; i++) if (escapedInJson(bytes[i]!)) return false;
      bytes[at - 1] = QUOTE;
      bytes[end] = QUOTE;
      this.advanceTo(end + 1);
      return true;
    }
    if (this.pos + n + 2 > this.buf.length) this.grow(n + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || escapedInJson(c)) return false;
      buf[p++] = c;
    }
    buf[p++] = QUOTE;
    this.pos = p;
    return true;
  }

  /**
   * For writers that encode in place: copies `s` as UTF-8 to `lead` bytes past the write
   * position, with room for `trail` more bytes after it, and leaves the position where it was.
   * Returns the index in `area` of s's first byte when s is ASCII (its n bytes then stand for
   * its n characters), else -1. The caller may rewrite anything from the write position to
   * s's end plus `trail`; advanceTo(end) then makes the bytes up to `end` part of the record,
   * and without it nothing was written.
   */
  place(s: string, lead: number, trail: number): number {
    // Room for the longest UTF-8 form (3 bytes per UTF-16 unit): a copy cut short by the end of
    // the slab could hold exactly n bytes of a string that is not ASCII.
    const room = lead + 3 * s.length + trail;
    if (this.pos + room > this.buf.length) this.grow(room);
    const at = this.pos + lead;
    return this.buf.write(s, at, 'utf8') === s.length ? at : -1;
  }

  /** The Buffer place() wrote into (the current slab: valid until the next call that writes). */
  get area(): Buffer {
    return this.buf;
  }

  /** Ends an in-place write begun with place(): area's bytes before `end` are part of the record. */
  advanceTo(end: number): void {
    this.pos = end;
  }

  /** Bytes written to the part being written (since begin() or the last end()). */
  get written(): number {
    return this.pos - this.start;
  }

  /** Writes again `n` bytes of the part being written, from its offset `from` (a `written` value). */
  again(from: number, n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    const at = this.start + from;
    for (let i = 0; i < n; i++) buf[p++] = buf[at + i]!;
    this.pos = p;
  }

  /** The decimal digits of a non-negative safe integer. */
  uint(v: number): void {
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    if (this.pos + digits > this.buf.length) this.grow(digits);
    let p = this.pos + digits;
    this.pos = p;
    const buf = this.buf;
    do {
      const q = Math.floor(v / 10);
      buf[--p] = 0x30 + (v - q * 10);
      v = q;
    } while (v > 0);
  }

  /** Moves the record being written to a new slab with room for `n` more bytes. */
  private grow(n: number): void {
    const used = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(SLAB_BYTES, 2 * (used + n)));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }
}

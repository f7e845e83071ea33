/**
 * Sans-IO parser of PostgreSQL's COPY text format (the format of `COPY ... TO STDOUT` without
 * options), fed Buffer chunks split anywhere: mid-row, mid-escape, mid UTF-8 character.
 *
 * The format (PostgreSQL 15 "COPY", File Formats / Text Format):
 * - a row ends at a newline byte (0x0a); fields are separated by a tab (0x09);
 * - a field that is exactly `\N` is NULL (`\\N` is the two-character text `\N`);
 * - backslash escapes: `\b` 0x08, `\f` 0x0c, `\n` 0x0a, `\r` 0x0d, `\t` 0x09, `\v` 0x0b,
 *   `\` + 1 to 3 octal digits the byte with that code (the low 8 bits, as the server's C code
 *   keeps them), `\x` + 1 or 2 hex digits the byte with that code, `\` + any other byte that
 *   byte itself (`\\` is a backslash; a `\x` without a hex digit is `x`);
 * - an escaped byte never ends a field or a row, even a tab or a newline.
 * COPY TO itself writes only `\b \f \n \r \t \v \\` and `\N`; the rest is accepted because the
 * format allows it. Values are in client_encoding, UTF-8 for node-postgres; escapes are undone
 * on bytes, so an octal or hex escape may be one byte of a multi-byte character.
 *
 * Cost: a row without a backslash (no NULL, nothing escaped) is decoded with one UTF-8 decode
 * and one split; other rows with one decode per field, escapes undone in a reused byte buffer
 * first. The parser keeps no reference to a chunk it was given: the incomplete tail of a chunk
 * is copied.
 */

export type CopyRow = (string | null)[];

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

/** Bytes that follow a backslash and stand for a control character. */
const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  0x62: 0x08, // 'b' backspace
  0x66: 0x0c, // 'f' form feed
  0x6e: 0x0a, // 'n' newline
  0x72: 0x0d, // 'r' carriage return
  0x74: 0x09, // 't' tab
  0x76: 0x0b, // 'v' vertical tab
};

const isOctal = (b: number): boolean => b >= 0x30 && b <= 0x37;

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

export class CopyTextParser {
  /** The incomplete row carried over from earlier chunks (copies), oldest first. */
  private pending: Buffer[] = [];
  /** The carried bytes end with a backslash whose escaped byte has not arrived yet. */
  private pendingEscape = false;
  /** Scratch space for undoing escapes; grows to the largest escaped field seen. */
  private scratch = Buffer.allocUnsafe(256);

  /** Parses `chunk` and returns the rows it completes (possibly none). */
  push(chunk: Buffer): CopyRow[] {
    const rows: CopyRow[] = [];
    let start = 0;
    if (this.pending.length > 0) {
      const end = this.rowEndAfterCarry(chunk);
      if (end < 0) {
        this.carry(chunk, 0);
        return rows;
      }
      // The carried row is complete: parse it from one buffer (one copy of the carried row).
      this.pending.push(chunk.subarray(0, end + 1));
      const row = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingEscape = false;
      this.parseRows(row, 0, rows);
      start = end + 1;
    }
    const stop = this.parseRows(chunk, start, rows);
    if (stop < chunk.length) this.carry(chunk, stop);
    return rows;
  }

  /** The input ended: throws if a row is incomplete (the server always ends one with a newline). */
  end(): void {
    if (this.pending.length === 0) return;
    const bytes = this.pending.reduce((n, b) => n + b.length, 0);
    this.pending = [];
    this.pendingEscape = false;
    throw new RangeError(`COPY data ended inside a row (${bytes} bytes without a final newline)`);
  }

  /** Copies `chunk[from..]` as (part of) the incomplete row and tracks a trailing unpaired backslash. */
  private carry(chunk: Buffer, from: number): void {
    let escape = this.pendingEscape;
    for (let i = from; i < chunk.length; i++) escape = escape ? false : chunk[i] === BACKSLASH;
    this.pendingEscape = escape;
    this.pending.push(Buffer.from(chunk.subarray(from)));
  }

  /** Index of the newline that ends the carried row, or -1 when `chunk` does not complete it. */
  private rowEndAfterCarry(chunk: Buffer): number {
    let escape = this.pendingEscape;
    for (let i = 0; i < chunk.length; i++) {
      if (escape) escape = false;
      else if (chunk[i] === BACKSLASH) escape = true;
      else if (chunk[i] === NEWLINE) return i;
    }
    return -1;
  }

  /**
   * Parses the complete rows of `buf` from `pos`, appending them to `rows`; returns where the
   * first incomplete row starts (`buf.length` when none is).
   */
  private parseRows(buf: Buffer, pos: number, rows: CopyRow[]): number {
    const length = buf.length;
    // The next backslash at or after pos (-1: none): found once, reused while rows pass below it.
    let backslash = buf.indexOf(BACKSLASH, pos);
    while (pos < length) {
      const newline = buf.indexOf(NEWLINE, pos);
      if (newline < 0) return pos;
      if (backslash < 0 || backslash > newline) {
        // No escape and no NULL in this row: one decode, one split.
        rows.push(buf.toString('utf8', pos, newline).split('\t'));
        pos = newline + 1;
        continue;
      }
      const next = this.parseEscapedRow(buf, pos, rows);
      if (next < 0) return pos;
      pos = next;
      if (backslash < pos) backslash = buf.indexOf(BACKSLASH, pos);
    }
    return pos;
  }

  /**
   * Parses one row that holds a backslash, field by field; returns the index after its newline,
   * or -1 when `buf` ends before the row does (nothing is appended then).
   */
  private parseEscapedRow(buf: Buffer, pos: number, rows: CopyRow[]): number {
    const length = buf.length;
    const row: CopyRow = [];
    let start = pos;
    let escaped = false;
    for (let i = pos; i < length; i++) {
      const b = buf[i]!;
      if (b === BACKSLASH) {
        escaped = true;
        i++; // the escaped byte is data, whatever it is
        continue;
      }
      if (b !== TAB && b !== NEWLINE) continue;
      row.push(escaped ? this.unescape(buf, start, i) : buf.toString('utf8', start, i));
      if (b === NEWLINE) {
        rows.push(row);
        return i + 1;
      }
      start = i + 1;
      escaped = false;
    }
    return -1;
  }

  /** A field with backslashes: NULL for exactly `\N`, else its bytes with escapes undone, decoded once. */
  private unescape(buf: Buffer, start: number, end: number): string | null {
    if (end - start === 2 && buf[start + 1] === 0x4e /* N */) return null;
    if (this.scratch.length < end - start) this.scratch = Buffer.allocUnsafe(Math.max(end - start, this.scratch.length * 2));
    const out = this.scratch;
    let n = 0;
    let i = start;
    while (i < end) {
      const b = buf[i++]!;
      if (b !== BACKSLASH) {
        out[n++] = b;
        continue;
      }
      // A field never ends right after a backslash: the escaped byte is part of the field.
      const e = buf[i++]!;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out[n++] = simple;
      } else if (isOctal(e)) {
        let v = e - 0x30;
        if (i < end && isOctal(buf[i]!)) {
          v = (v << 3) + buf[i++]! - 0x30;
          if (i < end && isOctal(buf[i]!)) v = (v << 3) + buf[i++]! - 0x30;
        }
        out[n++] = v & 0xff;
      } else if (e === 0x78 /* x */ && i < end && hexValue(buf[i]!) >= 0) {
        let v = hexValue(buf[i++]!);
        if (i < end && hexValue(buf[i]!) >= 0) v = (v << 4) + hexValue(buf[i++]!);
        out[n++] = v;
      } else {
        out[n++] = e;
      }
    }
    return out.toString('utf8', 0, n);
  }
}

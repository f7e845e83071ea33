/**
 * TupleData, shared by Insert/Update/Delete:
 *   Int16 ncols, then per column one of
 *     Byte1('n')                     NULL
 *     Byte1('u')                     unchanged TOASTed value (not sent; only in Update new/old)
 *     Byte1('t') Int32 len Byte(len) value in text output format
 *     Byte1('b') Int32 len Byte(len) binary format (only with the `binary` option; refused here)
 * ncols counts the relation's published columns (dropped and generated columns are skipped),
 * so it matches the latest Relation message for that OID.
 *
 * Hot path: one array plus one string per non-null value. The column headers are read first;
 * then the bytes from the first value to the end of the last are decoded by one native call.
 * When they are all ASCII (the common case: numbers, timestamps, ASCII text, and no length byte
 * of 128 or more in between), each value is a substring of that string, which is what decoding
 * the value alone gives. Otherwise (or above MAX_SPAN bytes) each value is decoded on its own.
 * One native call per row instead of one per value was a fifth of the decoder's CPU in the
 * spine's profile.
 */
import { ConnectorError } from '../../errors';
import type { BufferReader } from '../../protocol/reader';
import { UNCHANGED_TOAST, type TextValue } from '../../model/change';
import { ColumnKind } from './messages';

/**
 * Rows whose values span more bytes are decoded value by value: one string of the whole span
 * could pass V8's string length limit where each value is under it, and a value kept as a
 * substring keeps the span's string alive.
 */
const MAX_SPAN = 64 * 1024;

/** Per column: where its value starts and ends in the reader's buffer; NULL and TOAST as below. */
let spans = new Int32Array(2 * 64);
const NULL_SPAN = -1;
const TOAST_SPAN = -2;

export function readTupleData(r: BufferReader): TextValue[] {
  const n = r.int16();
  if (2 * n > spans.length) spans = new Int32Array(2 * n);
  const at = spans;
  let first = -1;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const kind = r.uint8();
    if (kind === ColumnKind.Text) {
      const len = r.int32();
      const start = r.skip(len, 'String');
      at[2 * i] = start;
      at[2 * i + 1] = start + len;
      if (first < 0) first = start;
      last = start + len;
    } else if (kind === ColumnKind.Null) {
      at[2 * i] = NULL_SPAN;
    } else if (kind === ColumnKind.UnchangedToast) {
      at[2 * i] = TOAST_SPAN;
    } else if (kind === ColumnKind.Binary) {
      throw new ConnectorError('DECODE', `binary-format column ${i} in TupleData: walcast requests text format only`);
    } else {
      throw new ConnectorError('DECODE', `unknown TupleData column kind 0x${kind.toString(16)} at column ${i}`);
    }
  }
  const ascii = first < 0 || last - first > MAX_SPAN ? null : r.asciiText(first, last);
  const values: TextValue[] = new Array<TextValue>(n);
  for (let i = 0; i < n; i++) {
    const start = at[2 * i]!;
    if (start >= 0) {
      const end = at[2 * i + 1]!;
      values[i] = ascii !== null ? ascii.substring(start - first, end - first) : r.textAt(start, end);
    } else {
      values[i] = start === NULL_SPAN ? null : UNCHANGED_TOAST;
    }
  }
  return values;
}

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
 * Hot path: one array plus one string per non-null value; no other allocation.
 */
import { ConnectorError } from '../../errors';
import type { BufferReader } from '../../protocol/reader';
import { UNCHANGED_TOAST, type TextValue } from '../../model/change';
import { ColumnKind } from './messages';

export function readTupleData(r: BufferReader): TextValue[] {
  const n = r.int16();
  const values: TextValue[] = new Array<TextValue>(n);
  for (let i = 0; i < n; i++) {
    const kind = r.uint8();
    if (kind === ColumnKind.Text) {
      values[i] = r.utf8(r.int32());
    } else if (kind === ColumnKind.Null) {
      values[i] = null;
    } else if (kind === ColumnKind.UnchangedToast) {
      values[i] = UNCHANGED_TOAST;
    } else if (kind === ColumnKind.Binary) {
      throw new ConnectorError('DECODE', `binary-format column ${i} in TupleData: walcast requests text format only`);
    } else {
      throw new ConnectorError('DECODE', `unknown TupleData column kind 0x${kind.toString(16)} at column ${i}`);
    }
  }
  return values;
}

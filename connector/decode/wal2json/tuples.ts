/**
 * wal2json column values -> Tuple of PostgreSQL text forms (change.ts), aligned to a Relation.
 *
 * - numbers: the literal digits wal2json printed (payload.ts keeps them as text), which are the
 *   type's own text output: `9007199254740993`, `-0.500`, `1e-300`.
 * - true/false -> 't'/'f' (boolout).
 * - bytea (OID 17): wal2json drops the leading `\x` of the hex output; it is put back. (With
 *   bytea_output = 'escape' in the walsender wal2json would cut two real characters instead; the
 *   default 'hex' is assumed.) Arrays/domains of bytea are printed whole and are untouched.
 * - strings: already the text output (jsonb, uuid, arrays, timestamptz in the walsender's
 *   TimeZone/DateStyle, ...).
 * - null -> null. NOTE: without numeric-data-types-as-string (wal2json >= 2.6) float/numeric
 *   NaN and +-Infinity also arrive as null; the difference from SQL NULL is lost at the server.
 */
import { UNCHANGED_TOAST, type Relation, type TextValue, type Tuple } from '../../model/change';
import type { W2jColumn } from './payload';

const BYTEA_OID = 17;

export function textValue(c: W2jColumn): string | null {
  const v = c.value;
  if (v === null || v === undefined) return null;
  if (v === true) return 't';
  if (v === false) return 'f';
  if (c.typeoid === BYTEA_OID) return '\\x' + v;
  return v;
}

/**
 * New-row tuple. Columns the row leaves out (unchanged TOAST, see relations.ts) become
 * UNCHANGED_TOAST, as pgoutput's 'u' does.
 */
export function newTuple(rel: Relation, cols: readonly W2jColumn[]): Tuple {
  const rc = rel.columns;
  const out = new Array<TextValue>(rc.length);
  if (cols.length === rc.length) {
    let aligned = true;
    for (let i = 0; i < rc.length; i++) {
      if (cols[i].name !== rc[i].name) { aligned = false; break; }
      out[i] = textValue(cols[i]);
    }
    if (aligned) return out;
  }
  return byName(rel, cols, UNCHANGED_TOAST);
}

/** Old-row tuple from "identity": positions it does not list are null (key-only) . */
export function identityTuple(rel: Relation, identity: readonly W2jColumn[]): Tuple {
  return byName(rel, identity, null);
}

function byName(rel: Relation, cols: readonly W2jColumn[], missing: TextValue): Tuple {
  const rc = rel.columns;
  const out = new Array<TextValue>(rc.length).fill(missing);
  for (const c of cols) {
    const i = indexOf(rc, c.name);
    if (i >= 0) out[i] = textValue(c);
  }
  return out;
}

function indexOf(cols: Relation['columns'], name: string): number {
  for (let i = 0; i < cols.length; i++) if (cols[i].name === name) return i;
  return -1;
}

/**
 * A relation's row and key writers, compiled once per Relation (the decoders make a new Relation
 * object when a table's definition changes, so a cached encoder never sees a stale layout).
 *
 * Built on the generic RelationState (envelope/row.ts): the same key and value column choice,
 * column controls, constants and converters, so the two paths cannot disagree on which columns
 * appear or how a mapped column converts. What the encoder adds: one ColumnJson per column
 * (text -> JSON text directly), member names with their separators prefixed once, and key
 * columns converted once for key and value when both use the same writer.
 *
 * Rows with an unchanged TOAST value (or an old row to resolve it from) are not handled here:
 * rowJson returns null and the caller takes the generic path.
 */
import { UNCHANGED_TOAST, type Relation, type Tuple } from '../../model/change';
import type { ValueOptions } from '../values';
import { toJson } from '../json';
import type { RelationState } from '../row';
import { columnJson, genericColumnJson, type ColumnJson } from './column-json';

export class RelationEncoder {
  readonly topic: string;
  readonly schemaJson: string;
  readonly tableJson: string;
  /** Per value position k: `{"name":` for the first, `,"name":` after. */
  private readonly valueMembers: readonly string[];
  /** Column index of each value position. */
  private readonly valueColumns: readonly number[];
  /** Per key and value position: the JSON text written for a null (the column's default, else null). */
  private readonly keyNulls: readonly string[];
  private readonly valueNulls: readonly string[];
  /** Per value position: the JSON text of a constant (columnMask), else null. */
  private readonly valueConstants: readonly (string | null)[];
  private readonly valueWriters: readonly ColumnJson[];
  /** Per value position: the key position whose text it reuses (same writer), or -1. */
  private readonly valueFromKey: readonly number[];
  private readonly keyMembers: readonly string[];
  private readonly keyColumns: readonly number[];
  private readonly keyWriters: readonly ColumnJson[];
  /** Scratch: the key columns' JSON text of the row being written (no allocation per row). */
  private readonly keyTexts: string[];

  constructor(state: RelationState, relation: Relation, options: ValueOptions) {
    this.topic = state.topic;
    this.schemaJson = state.schemaJson;
    this.tableJson = state.tableJson;
    const cols = relation.columns;
    const keyWriterOf = (i: number): ColumnJson => columnJson(cols[i]!.typeOid, cols[i]!.typeMod, options, state.keyConverters[i]!);
    this.keyColumns = state.keyIndexes;
    this.keyMembers = state.keyIndexes.map((i, k) => (k === 0 ? '{' : ',') + state.members[i]!);
    this.keyWriters = state.keyIndexes.map(keyWriterOf);
    this.keyTexts = new Array<string>(state.keyIndexes.length).fill('');
    const nullJson = (i: number): string => toJson(state.nullValues[i] ?? null);
    this.keyNulls = state.keyIndexes.map(nullJson);
    this.valueNulls = state.valueIndexes.map(nullJson);
    this.valueColumns = state.valueIndexes;
    this.valueMembers = state.valueIndexes.map((i, k) => (k === 0 ? '{' : ',') + state.members[i]!);
    this.valueConstants = state.valueIndexes.map((i) => {
      const c = state.constants[i];
      return c === undefined ? null : toJson(c);
    });
    // A column mapper (truncate, hash) makes the value converter differ from the key's.
    const unmapped = (i: number): boolean => state.converters[i] === state.keyConverters[i];
    this.valueWriters = state.valueIndexes.map((i) => (unmapped(i) ? keyWriterOf(i) : genericColumnJson(state.converters[i]!)));
    this.valueFromKey = state.valueIndexes.map((i, k) => (this.valueConstants[k] === null && unmapped(i) ? state.keyIndexes.indexOf(i) : -1));
  }

  /** Whether the tuple carries an unchanged TOAST value (the generic path resolves those). */
  static hasUnchangedToast(tuple: Tuple): boolean {
    for (let i = 0; i < tuple.length; i++) if (tuple[i] === UNCHANGED_TOAST) return true;
    return false;
  }

  /**
   * The key as JSON text (null when the relation has no key columns). Fills the scratch texts
   * rowJson reuses: call keyJson first, then rowJson, for the same tuple.
   */
  keyJson(tuple: Tuple): string | null {
    const cols = this.keyColumns;
    const n = cols.length;
    if (n === 0) return null;
    let out = '';
    for (let k = 0; k < n; k++) {
      const text = tuple[cols[k]!];
      let json = typeof text === 'string' ? this.keyWriters[k]!(text) : 'null';
      // A null, or a value the converter writes as null (NaN under precise decimals): the default, if any.
      if (json === 'null') json = this.keyNulls[k]!;
      this.keyTexts[k] = json;
      out += this.keyMembers[k]! + json;
    }
    return out + '}';
  }

  /** The row as JSON text; the tuple has no unchanged TOAST value. Call keyJson(tuple) first. */
  rowJson(tuple: Tuple): string {
    const cols = this.valueColumns;
    const n = cols.length;
    let out = '';
    for (let k = 0; k < n; k++) {
      let json = this.valueConstants[k] ?? null;
      if (json === null) {
        const fromKey = this.valueFromKey[k]!;
        if (fromKey >= 0) json = this.keyTexts[fromKey]!;
        else {
          const text = tuple[cols[k]!];
          json = typeof text === 'string' ? this.valueWriters[k]!(text) : 'null';
          if (json === 'null') json = this.valueNulls[k]!;
        }
      }
      out += this.valueMembers[k]! + json;
    }
    return n === 0 ? '{}' : out + '}';
  }
}

/**
 * A relation's row and key writers, compiled once per Relation (the decoders make a new Relation
 * object when a table's definition changes, so a cached encoder never sees a stale layout).
 *
 * Built on the generic RelationState (envelope/row.ts): the same key and value column choice,
 * column controls, constants and converters, so the two paths cannot disagree on which columns
 * appear or how a mapped column converts. What the encoder adds: one ColumnJson per column
 * (text -> JSON text directly), member names with their separators encoded once, key columns
 * converted once for key and value when both use the same writer, and the output written as
 * bytes into a ByteSlab: a string or integer column's text goes there as it is, with no JSON
 * text made for it.
 *
 * Rows with an unchanged TOAST value (or an old row to resolve it from) are not handled here:
 * rowJson returns null and the caller takes the generic path.
 */
import { UNCHANGED_TOAST, type Relation, type Tuple } from '../../model/change';
import type { ValueOptions } from '../values';
import { quotesVerbatim, toJson } from '../json';
import type { RelationState } from '../row';
import type { ByteSlab } from './byte-slab';
import {
  CANONICAL_BIGINT, CANONICAL_INT, columnJson, columnKind, genericColumnJson, preciseUnscaled, writeSmallTwosComplementBase64,
  writeUtcTimestamp, type ColumnJson,
} from './column-json';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const QUOTE = 0x22;
const CLOSE = utf8('}');
const EMPTY_OBJECT = utf8('{}');

/** How rowJson writes a value position. */
const enum Write { Constant, FromKey, Quote, Int, BigInt, Utc, Precise, Json }

export class RelationEncoder {
  readonly topic: string;
  readonly schemaJson: string;
  readonly tableJson: string;
  /** Per value position k: `{"name":` for the first, `,"name":` after. */
  private readonly valueMembers: readonly Buffer[];
  /** Column index of each value position. */
  private readonly valueColumns: readonly number[];
  /** Per key and value position: the JSON text written for a null (the column's default, else null). */
  private readonly keyNulls: readonly string[];
  private readonly valueNulls: readonly Buffer[];
  /** Per value position: how it is written, and the constant's bytes (columnMask) for Constant. */
  private readonly valueWrites: readonly Write[];
  private readonly valueConstants: readonly (Buffer | null)[];
  private readonly valueWriters: readonly ColumnJson[];
  /** Per value position: the precision (Utc) or scale (Precise) of the column, else 0. */
  private readonly valueParams: readonly number[];
  /** Per value position: the key position whose text it reuses (same writer), or -1. */
  private readonly valueFromKey: readonly number[];
  private readonly keyMemberTexts: readonly string[];
  private readonly keyMembers: readonly Buffer[];
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
    this.keyMemberTexts = state.keyIndexes.map((i, k) => (k === 0 ? '{' : ',') + state.members[i]!);
    this.keyMembers = this.keyMemberTexts.map(utf8);
    this.keyWriters = state.keyIndexes.map(keyWriterOf);
    this.keyTexts = new Array<string>(state.keyIndexes.length).fill('');
    const nullJson = (i: number): string => toJson(state.nullValues[i] ?? null);
    this.keyNulls = state.keyIndexes.map(nullJson);
    this.valueNulls = state.valueIndexes.map((i) => utf8(nullJson(i)));
    this.valueColumns = state.valueIndexes;
    this.valueMembers = state.valueIndexes.map((i, k) => utf8((k === 0 ? '{' : ',') + state.members[i]!));
    this.valueConstants = state.valueIndexes.map((i) => {
      const c = state.constants[i];
      return c === undefined ? null : utf8(toJson(c));
    });
    // A column mapper (truncate, hash) makes the value converter differ from the key's.
    const unmapped = (i: number): boolean => state.converters[i] === state.keyConverters[i];
    this.valueWriters = state.valueIndexes.map((i) => (unmapped(i) ? keyWriterOf(i) : genericColumnJson(state.converters[i]!)));
    this.valueFromKey = state.valueIndexes.map((i, k) => (this.valueConstants[k] === null && unmapped(i) ? state.keyIndexes.indexOf(i) : -1));
    const kinds = state.valueIndexes.map((i) => columnKind(cols[i]!.typeOid, cols[i]!.typeMod, options));
    this.valueParams = kinds.map((c) => (c.kind === 'utc' ? c.width : c.kind === 'precise' ? c.scale : 0));
    this.valueWrites = state.valueIndexes.map((i, k): Write => {
      if (this.valueConstants[k] !== null) return Write.Constant;
      if (this.valueFromKey[k]! >= 0) return Write.FromKey;
      if (!unmapped(i)) return Write.Json;
      switch (kinds[k]!.kind) {
        case 'quote': return Write.Quote;
        case 'int': return Write.Int;
        case 'bigint': return Write.BigInt;
        case 'utc': return Write.Utc;
        case 'precise': return Write.Precise;
        default: return Write.Json;
      }
    });
  }

  /** Whether the tuple carries an unchanged TOAST value (the generic path resolves those). */
  static hasUnchangedToast(tuple: Tuple): boolean {
    for (let i = 0; i < tuple.length; i++) if (tuple[i] === UNCHANGED_TOAST) return true;
    return false;
  }

  /**
   * Writes the key's JSON into `out`; false (nothing written) when the relation has no key
   * columns. Fills the scratch texts writeRow and keyText reuse: call writeKey first, then
   * writeRow, for the same tuple.
   */
  writeKey(tuple: Tuple, out: ByteSlab): boolean {
    const cols = this.keyColumns;
    const n = cols.length;
    if (n === 0) return false;
    for (let k = 0; k < n; k++) {
      const text = tuple[cols[k]!];
      let json = typeof text === 'string' ? this.keyWriters[k]!(text) : 'null';
      // A null, or a value the converter writes as null (NaN under precise decimals): the default, if any.
      if (json === 'null') json = this.keyNulls[k]!;
      this.keyTexts[k] = json;
      out.bytes(this.keyMembers[k]!);
      out.text(json);
    }
    out.bytes(CLOSE);
    return true;
  }

  /** The key writeKey wrote last, as JSON text ('' when the relation has no key columns). */
  keyText(): string {
    let out = '';
    for (let k = 0; k < this.keyTexts.length; k++) out += this.keyMemberTexts[k]! + this.keyTexts[k]!;
    return out === '' ? '' : out + '}';
  }

  /** Writes the row's JSON into `out`; the tuple has no unchanged TOAST value. Call writeKey(tuple) first. */
  writeRow(tuple: Tuple, out: ByteSlab): void {
    const cols = this.valueColumns;
    const n = cols.length;
    if (n === 0) {
      out.bytes(EMPTY_OBJECT);
      return;
    }
    for (let k = 0; k < n; k++) {
      out.bytes(this.valueMembers[k]!);
      const how = this.valueWrites[k]!;
      if (how === Write.Constant) {
        out.bytes(this.valueConstants[k]!);
        continue;
      }
      if (how === Write.FromKey) {
        out.text(this.keyTexts[this.valueFromKey[k]!]!);
        continue;
      }
      const text = tuple[cols[k]!];
      if (typeof text !== 'string') {
        out.bytes(this.valueNulls[k]!);
        continue;
      }
      if (how === Write.Utc) {
        if (writeUtcTimestamp(text, this.valueParams[k]!, out)) continue;
      } else if (how === Write.Precise) {
        const unscaled = preciseUnscaled(text, this.valueParams[k]!);
        if (!Number.isNaN(unscaled)) {
          writeSmallTwosComplementBase64(unscaled, out);
          continue;
        }
      }
      // Clean ASCII text (most of it) in one pass; other text that needs no escape as UTF-8.
      if (how === Write.Quote && out.quotedAscii(text)) continue;
      if (how === Write.Quote && quotesVerbatim(text)) {
        out.byte(QUOTE);
        out.text(text);
        out.byte(QUOTE);
      } else if ((how === Write.Int && CANONICAL_INT.test(text)) || (how === Write.BigInt && CANONICAL_BIGINT.test(text))) {
        out.text(text);
      } else {
        const json = this.valueWriters[k]!(text);
        if (json === 'null') out.bytes(this.valueNulls[k]!);
        else out.text(json);
      }
    }
    out.bytes(CLOSE);
  }
}

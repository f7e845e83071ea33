/**
 * Per-relation conversion state and row/key building. State is cached in a WeakMap keyed by the
 * Relation object: decoders create a new Relation when a table's definition changes, so a stale
 * entry is never consulted and is collected with its Relation.
 */
import { UNCHANGED_TOAST, type Relation, type TextValue, type Tuple } from '../model/change';
import type { UserTypes } from '../model/user-types';
import {
  isDroppedType, makeConverter, notNullFallback, unavailablePlaceholder, type Converter, type ValueOptions,
} from './values';

/**
 * NOT NULL column names per table, keyed `schema + '\0' + table` (wal2json relations carry no
 * pg_class OID), from pg_attribute.attnotnull at connect.
 */
export type NotNullColumns = ReadonlyMap<string, ReadonlySet<string>>;
import type { ColumnControls } from './column-controls';
import { columnDefaultValues, type ColumnDefaultTexts } from './default-values';
import { quoteJson, toJson, type JsonValue } from './json';
import { topicName } from '../model/topic';

export interface RelationState {
  readonly topic: string;
  /** `"name":` per column, quoted once: rows are serialized straight to JSON text. */
  readonly members: readonly string[];
  /** Schema and table names as JSON strings, for source. */
  readonly schemaJson: string;
  readonly tableJson: string;
  /** Value converters, column controls (truncate) applied. */
  readonly converters: readonly Converter[];
  /** Key converters: Debezium applies no column mapper to the key. */
  readonly keyConverters: readonly Converter[];
  /** Per column: a value that replaces every value, null included (columnMask), or undefined. */
  readonly constants: readonly (JsonValue | undefined)[];
  /** Value of an unchanged TOAST column the server did not send (unavailable.value.placeholder). */
  readonly placeholders: readonly JsonValue[];
  /** Positions of the key (replica identity) columns; empty when the table has none. */
  readonly keyIndexes: readonly number[];
  /**
   * Positions of the columns written in before/after: all but those of types Debezium has no
   * schema for (it leaves them out; key columns are always kept) and those the column lists
   * leave out (key columns too: the key keeps them, as in Debezium).
   */
  readonly valueIndexes: readonly number[];
  /** Per column: Debezium's value for a NOT NULL column missing from a key-only old row (for the key). */
  readonly fallbacks: readonly (JsonValue | undefined)[];
  /** The same for before: column controls apply to it (a hashed column hashes its fallback, as Debezium does). */
  readonly valueFallbacks: readonly (JsonValue | undefined)[];
  /**
   * Per column: what a null is written as, the column's default (JsonConverter's
   * replace.null.with.default, envelope.replaceNullWithDefault), or undefined: null.
   */
  readonly nullValues: readonly (JsonValue | undefined)[];
  /** Per column: the column control's mapping of a converted value (truncate, mask with hash), or undefined. */
  readonly valueMaps: readonly (((v: JsonValue) => JsonValue) | undefined)[];
}

export class RelationStates {
  private readonly cache = new WeakMap<Relation, RelationState>();

  constructor(
    private readonly topicPrefix: string,
    private readonly options: ValueOptions,
    private readonly userTypes?: UserTypes,
    private readonly notNull?: NotNullColumns,
    private readonly controls?: ColumnControls,
    /** Literal column defaults that replace nulls (envelope.replaceNullWithDefault); absent: nulls stay. */
    private readonly nullDefaults?: ColumnDefaultTexts,
  ) {}

  get(relation: Relation): RelationState {
    let state = this.cache.get(relation);
    if (state === undefined) {
      state = this.build(relation);
      this.cache.set(relation, state);
    }
    return state;
  }

  private build(relation: Relation): RelationState {
    const cols = relation.columns;
    const keyIndexes: number[] = [];
    const valueIndexes: number[] = [];
    const { schema, table } = relation;
    // messageKeyColumns: the named columns (those the table has), in the rule's order.
    const keyNames = this.controls?.keyColumns(schema, table) ?? null;
    if (keyNames !== null) for (const n of keyNames) { const i = cols.findIndex((c) => c.name === n); if (i >= 0) keyIndexes.push(i); }
    cols.forEach((c, i) => {
      if (c.isKey && keyNames === null) keyIndexes.push(i);
      const listed = this.controls?.inValue(schema, table, c.name) !== false;
      if (listed && (c.isKey || !isDroppedType(c.typeOid, this.userTypes))) valueIndexes.push(i);
    });
    const keyConverters = cols.map((c) => makeConverter(c.typeOid, c.typeMod, this.options, this.userTypes));
    const mappers = cols.map((c) => this.controls?.mapper(schema, table, c.name, c.typeOid, c.typeMod) ?? null);
    const notNull = this.notNull?.get(`${schema}\0${table}`);
    // Key columns too: a message key column (messageKeyColumns) outside the replica identity is
    // missing from a key-only old row like any other column.
    const fallbacks = cols.map((c) => (notNull?.has(c.name) === true ? notNullFallback(c.typeOid, c.typeMod, this.options, this.userTypes) : undefined));
    const defaults = columnDefaultValues(relation, this.nullDefaults, this.options, this.userTypes);
    return {
      nullValues: cols.map((c) => defaults?.get(c.name)),
      topic: topicName(this.topicPrefix, relation.schema, relation.table),
      members: cols.map((c) => quoteJson(c.name) + ':'),
      schemaJson: quoteJson(relation.schema),
      tableJson: quoteJson(relation.table),
      converters: keyConverters.map((convert, i) => {
        const m = mappers[i];
        return m?.kind !== 'map' ? convert : (text: string) => m.map(convert(text));
      }),
      keyConverters,
      constants: mappers.map((m) => (m?.kind === 'constant' ? m.value : undefined)),
      placeholders: cols.map((c) => unavailablePlaceholder(c.typeOid, this.options, this.userTypes)),
      keyIndexes,
      valueIndexes,
      fallbacks,
      valueMaps: mappers.map((m) => (m?.kind === 'map' ? (v: JsonValue) => m.map(v) : undefined)),
      valueFallbacks: fallbacks.map((f, i) => {
        const m = mappers[i];
        return f === undefined || m?.kind !== 'map' ? f : m.map(f);
      }),
    };
  }
}

/**
 * Converts value `i`. An unchanged TOAST value takes the old row's value when the server sent
 * a full old row (REPLICA IDENTITY FULL), else the placeholder.
 */
function convertAt(state: RelationState, tuple: Tuple, i: number, old: Tuple | null): JsonValue {
  const constant = state.constants[i];
  if (constant !== undefined) return constant;
  return valueAt(state, tuple, i, old, state.converters[i]!);
}

/** Column `i` converted by `convert`; an unchanged TOAST value resolved as convertAt says. */
function valueAt(state: RelationState, tuple: Tuple, i: number, old: Tuple | null, convert: (text: string) => JsonValue): JsonValue {
  let text: TextValue | undefined = tuple[i];
  if (text === UNCHANGED_TOAST) {
    const prior = old === null ? undefined : old[i];
    if (typeof prior !== 'string') return prior === null ? null : state.placeholders[i]!;
    text = prior;
  }
  if (text === null || text === undefined) return null;
  return convert(text);
}

/** The row as JSON object text, members in column order. */
export function rowJson(state: RelationState, tuple: Tuple, old: Tuple | null): string {
  const members = state.members;
  const idx = state.valueIndexes;
  let out = '{';
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    out += (k === 0 ? '' : ',') + members[i]! + toJson(convertAt(state, tuple, i, old) ?? state.nullValues[i] ?? null);
  }
  return out + '}';
}

/**
 * A key-only old row (REPLICA IDENTITY DEFAULT/INDEX delete or key change): the columns the
 * server did not send are null, except NOT NULL ones, which get Debezium's fallback value.
 */
export function keyOnlyRowJson(state: RelationState, tuple: Tuple): string {
  const members = state.members;
  const idx = state.valueIndexes;
  let out = '{';
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    let v = convertAt(state, tuple, i, null);
    if (v === null) v = state.valueFallbacks[i] ?? state.nullValues[i] ?? null;
    out += (k === 0 ? '' : ',') + members[i]! + toJson(v);
  }
  return out + '}';
}

/**
 * The key as JSON object text, or null when the relation has no key columns. From a key-only old
 * row (`keyOnly`), a missing NOT NULL key column takes Debezium's fallback value, as in
 * keyOnlyRowJson (only message key columns outside the replica identity can be missing).
 */
export function keyJson(state: RelationState, tuple: Tuple, old: Tuple | null, keyOnly = false): string | null {
  const idx = state.keyIndexes;
  if (idx.length === 0) return null;
  let out = '{';
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    let v = keyValueAt(state, tuple, i, old);
    if (v === null && keyOnly) v = state.fallbacks[i] ?? null;
    if (v === null) v = state.nullValues[i] ?? null;
    out += (k === 0 ? '' : ',') + state.members[i]! + toJson(v);
  }
  return out + '}';
}

/** A key column's value: as convertAt, without column controls. */
function keyValueAt(state: RelationState, tuple: Tuple, i: number, old: Tuple | null): JsonValue {
  return valueAt(state, tuple, i, old, state.keyConverters[i]!);
}

/** Whether any key column's value differs between the old and new row (text comparison). */
export function keyChanged(state: RelationState, before: Tuple, after: Tuple): boolean {
  for (const i of state.keyIndexes) {
    const a = after[i];
    if (a !== UNCHANGED_TOAST && a !== before[i]) return true;
  }
  return false;
}

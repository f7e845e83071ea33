/**
 * Literal column defaults (PostgreSQL text, connector/source/column-defaults.ts) converted as the
 * column's values are. Debezium puts them in the field schemas, and Kafka Connect's JsonConverter
 * (replace.null.with.default=true, its default) writes a field's schema default in place of a
 * null, with schemas.enable true or false alike (JsonConverter.convertToJson).
 */
import type { Relation } from '../model/change';
import type { UserTypes } from '../model/user-types';
import { makeConverter, type ValueOptions } from './values';
import type { JsonValue } from './json';

/** Column defaults as PostgreSQL text, per table (`schema \0 table`), per column. */
export type ColumnDefaultTexts = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** A relation's defaults by column name; a default the converter rejects is left out (Debezium leaves it out too). */
export function columnDefaultValues(
  relation: Relation, texts: ColumnDefaultTexts | undefined, options: ValueOptions, userTypes?: UserTypes,
): ReadonlyMap<string, JsonValue> | undefined {
  const table = texts?.get(`${relation.schema}\0${relation.table}`);
  if (table === undefined) return undefined;
  const out = new Map<string, JsonValue>();
  for (const c of relation.columns) {
    const text = table.get(c.name);
    if (text === undefined) continue;
    try {
      out.set(c.name, makeConverter(c.typeOid, c.typeMod, options, userTypes)(text));
    } catch {
      // Not a value of the column's type as written.
    }
  }
  return out;
}

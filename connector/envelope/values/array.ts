/**
 * PostgreSQL array text form (array_out): '{1,2,NULL}', '{"a b","x\"y","NULL",""}',
 * '{{1,2},{3,4}}', '[0:1]={5,6}' when a lower bound is not 1, ';' between box elements.
 * An element is double-quoted when it is empty, is NULL-like, or holds a delimiter, brace,
 * quote, backslash or whitespace; inside quotes '\' escapes the next character. An unquoted
 * NULL (any case) is SQL NULL.
 *
 * Debezium maps a one-dimensional array of a supported element type to a Connect ARRAY of that
 * element's mapping; a multi-dimensional array becomes its outer level of nulls.
 */
import type { JsonValue } from '../json';
import type { Converter } from './types';
import { badValue } from './fail';

export type ArrayText = readonly (string | null | ArrayText)[];

export function parseArrayText(text: string, delimiter = ','): ArrayText {
  let pos = 0;
  if (text.charCodeAt(0) === 0x5b /* [ */) {
    pos = text.indexOf('=') + 1; // dimension decoration: '[0:1]={...}' (or '[1:1][1:2]=...')
    if (pos === 0) return badValue('array', text);
  }
  const fail = (): never => badValue('array', text);

  function parseLevel(): ArrayText {
    if (text[pos] !== '{') return fail();
    pos++;
    const items: (string | null | ArrayText)[] = [];
    if (text[pos] === '}') {
      pos++;
      return items;
    }
    for (;;) {
      const c = text[pos];
      if (c === '{') {
        items.push(parseLevel());
      } else if (c === '"') {
        pos++;
        let s = '';
        let start = pos;
        for (;;) {
          const q = text[pos];
          if (q === undefined) return fail();
          if (q === '"') break;
          if (q === '\\') {
            s += text.slice(start, pos) + (text[pos + 1] ?? '');
            pos += 2;
            start = pos;
          } else {
            pos++;
          }
        }
        items.push(s + text.slice(start, pos));
        pos++; // closing quote
      } else {
        const start = pos;
        while (pos < text.length && text[pos] !== delimiter && text[pos] !== '}') pos++;
        const raw = text.slice(start, pos);
        items.push(raw.length === 4 && raw.toUpperCase() === 'NULL' ? null : raw.replace(/\\(.)/g, '$1'));
      }
      const sep = text[pos];
      pos++;
      if (sep === '}') return items;
      if (sep !== delimiter) return fail();
    }
  }

  const result = parseLevel();
  if (pos !== text.length) return fail();
  return result;
}

/** Options that reproduce how Debezium (through PgJDBC's array reader) maps some arrays. */
export interface ArrayQuirks {
  /** An element text for which Debezium gives up on the whole array (null). */
  readonly rejects?: (text: string) => boolean;
  /** Rewrites an element text first (e.g. time '24:00:00', which java.time reads as 00:00). */
  readonly rewrite?: (text: string) => string;
}

/**
 * One-dimensional arrays map element by element. Of a multi-dimensional array Debezium keeps
 * the outer level and writes null for each sub-array (its ARRAY schema has scalar elements);
 * an array holding an element it cannot convert (`rejects`) is null as a whole.
 */
function mapArray(items: ArrayText, element: Converter, quirks: ArrayQuirks): JsonValue {
  const out: JsonValue[] = new Array<JsonValue>(items.length);
  for (let i = 0; i < items.length; i++) {
    const v = items[i]!;
    if (v === null) {
      out[i] = null;
      continue;
    }
    if (typeof v !== 'string') {
      out[i] = null; // a sub-array of a multi-dimensional array
      continue;
    }
    if (quirks.rejects?.(v) === true) return null;
    out[i] = element(quirks.rewrite === undefined ? v : quirks.rewrite(v));
  }
  return out;
}

export function makeArrayConverter(element: Converter, delimiter: string, quirks: ArrayQuirks = {}): Converter {
  return (text) => mapArray(parseArrayText(text, delimiter), element, quirks);
}

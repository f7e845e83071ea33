/**
 * PostgreSQL array text form (array_out): '{1,2,NULL}', '{"a b","x\"y","NULL",""}',
 * '{{1,2},{3,4}}', '[0:1]={5,6}' when a lower bound is not 1, ';' between box elements.
 * An element is double-quoted when it is empty, is NULL-like, or holds a delimiter, brace,
 * quote, backslash or whitespace; inside quotes '\' escapes the next character. An unquoted
 * NULL (any case) is SQL NULL.
 *
 * Debezium maps an array of a supported element type to a Connect ARRAY of that element's
 * mapping; nested arrays come out as nested JSON arrays.
 */
import type { JsonValue } from '../../envelope/json';
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

function mapArray(items: ArrayText, element: Converter): JsonValue[] {
  const out: JsonValue[] = new Array<JsonValue>(items.length);
  for (let i = 0; i < items.length; i++) {
    const v = items[i]!;
    out[i] = v === null ? null : typeof v === 'string' ? element(v) : mapArray(v, element);
  }
  return out;
}

export function makeArrayConverter(element: Converter, delimiter: string): Converter {
  return (text) => mapArray(parseArrayText(text, delimiter), element);
}

/**
 * hstore -> io.debezium.data.Json (hstore.handling.mode=json, the default): a JSON object text;
 * under hstore.handling.mode=map a Connect map of string to optional string, which JsonConverter
 * writes as the same JSON object (not as a string holding it).
 *
 * Debezium reads the value into PgJDBC's HStoreConverter map, a java.util.HashMap, and writes
 * the entries in that map's iteration order. We reproduce that order: a HashMap with the default
 * capacity 16 doubles while size > 0.75 × capacity; entries iterate by bucket
 * (hash ^ hash >>> 16) & (capacity - 1), where hash is String.hashCode, and within a bucket in
 * insertion order (the order PostgreSQL printed them). Buckets of 8+ entries that Java turns
 * into trees are not modelled.
 */
import type { HstoreHandling } from '../options';
import { RawJson } from '../json';
import type { Converter } from './types';
import { badValue } from './fail';
import { hashMapOrder } from './java-hash-map';

/** Parses hstore output: `"k"=>"v", "k2"=>NULL` (keys and values quoted, '\' escapes). */
export function parseHstore(text: string): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  let pos = 0;
  const fail = (): never => badValue('hstore', text);
  const skipSpace = (): void => {
    while (text[pos] === ' ') pos++;
  };
  const quoted = (): string => {
    if (text[pos] !== '"') return fail();
    pos++;
    let s = '';
    for (;;) {
      const c = text[pos];
      if (c === undefined) return fail();
      if (c === '"') break;
      if (c === '\\') {
        s += text[pos + 1] ?? '';
        pos += 2;
      } else {
        s += c;
        pos++;
      }
    }
    pos++;
    return s;
  };
  skipSpace();
  while (pos < text.length) {
    const key = quoted();
    skipSpace();
    if (text.slice(pos, pos + 2) !== '=>') return fail();
    pos += 2;
    skipSpace();
    let value: string | null;
    if (text.startsWith('NULL', pos)) {
      value = null;
      pos += 4;
    } else {
      value = quoted();
    }
    out.push([key, value]);
    skipSpace();
    if (text[pos] === ',') pos++;
    else if (pos < text.length) return fail();
    skipSpace();
  }
  return out;
}

/** The hstore text as a JSON object, members in java.util.HashMap order. */
export function hstoreJsonText(text: string): string {
  const entries = parseHstore(text);
  const map = new Map<string, string | null>();
  for (const [k, v] of entries) map.set(k, v); // hstore keys are unique; the last wins anyway
  // Written by hand: a JS object would move integer-like keys ("1") to the front.
  const members = hashMapOrder([...map.keys()]).map((k) => `${JSON.stringify(k)}:${JSON.stringify(map.get(k))}`);
  return `{${members.join(',')}}`;
}

/**
 * json: the object's text as a JSON string; map: the object itself, kept as RawJson so the
 * member order (HashMap's, integer-like keys included) survives serialization.
 */
export function makeHstoreConverter(mode: HstoreHandling = 'json'): Converter {
  return mode === 'map' ? (text) => new RawJson(hstoreJsonText(text)) : hstoreJsonText;
}

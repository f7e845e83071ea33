/**
 * `before` of a delete for a row known only by its message key as a topic holds it (the
 * re-snapshot's delete pass, pipeline/delete-missing.ts). Debezium never emits such a delete;
 * walcast shapes it as Debezium's delete under REPLICA IDENTITY DEFAULT: the key's columns carry
 * the key's values, every other column is null, or Debezium's fallback value when it is NOT NULL.
 *
 * The key's members are taken as raw JSON text, never through JSON.parse, so an int8 key beyond
 * 2^53 keeps every digit; only a column a column control maps (truncate, mask with hash: text
 * columns, JSON strings) is parsed, mapped and written again.
 */
import { toJson, type JsonValue } from './json';
import type { RelationState } from './row';

/**
 * The top-level members of a JSON object text as name -> raw value text; null when `text` is not
 * a JSON object (a key written in another format).
 */
export function rawMembers(text: string): Map<string, string> | null {
  const out = new Map<string, string>();
  let i = skipSpace(text, 0);
  if (text[i] !== '{') return null;
  i = skipSpace(text, i + 1);
  if (text[i] === '}') return skipSpace(text, i + 1) === text.length ? out : null;
  for (;;) {
    if (text[i] !== '"') return null;
    const nameEnd = stringEnd(text, i);
    if (nameEnd < 0) return null;
    let name: string;
    try { name = JSON.parse(text.slice(i, nameEnd)) as string; } catch { return null; }
    i = skipSpace(text, nameEnd);
    if (text[i] !== ':') return null;
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (end < 0) return null;
    out.set(name, text.slice(start, end).trimEnd());
    i = skipSpace(text, end);
    if (text[i] === ',') { i = skipSpace(text, i + 1); continue; }
    if (text[i] === '}') return skipSpace(text, i + 1) === text.length ? out : null;
    return null;
  }
}

function skipSpace(t: string, i: number): number {
  while (i < t.length && (t[i] === ' ' || t[i] === '\n' || t[i] === '\r' || t[i] === '\t')) i++;
  return i;
}

/** Index after the closing quote of the string starting at `i`; -1 when unterminated. */
function stringEnd(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    if (t[j] === '\\') j++;
    else if (t[j] === '"') return j + 1;
  }
  return -1;
}

/** Index after the value starting at `i` (nested objects and arrays included); -1 when malformed. */
function valueEnd(t: string, i: number): number {
  if (t[i] === '"') return stringEnd(t, i);
  let depth = 0;
  for (let j = i; j < t.length; j++) {
    const c = t[j];
    if (c === '"') { j = stringEnd(t, j) - 1; if (j < 0) return -1; continue; }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') { if (depth === 0) return j; depth--; }
    else if (c === ',' && depth === 0) return j;
  }
  return depth === 0 ? t.length : -1;
}

/**
 * The row as JSON object text for `before`, from the key's raw members (see above); null when
 * the key is not a JSON object.
 */
export function rowJsonFromKey(state: RelationState, keyText: string, columnNames: readonly string[]): string | null {
  const members = rawMembers(keyText);
  if (members === null) return null;
  const idx = state.valueIndexes;
  let out = '{';
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    out += (k === 0 ? '' : ',') + state.members[i]! + valueText(state, i, members.get(columnNames[i]!));
  }
  return out + '}';
}

function valueText(state: RelationState, i: number, raw: string | undefined): string {
  const constant = state.constants[i];
  if (constant !== undefined) return toJson(constant);
  if (raw === undefined || raw === 'null') {
    const fallback = state.valueFallbacks[i];
    return fallback === undefined ? 'null' : toJson(fallback);
  }
  const map = state.valueMaps[i];
  if (map === undefined) return raw;
  let parsed: JsonValue;
  try { parsed = JSON.parse(raw) as JsonValue; } catch { return raw; }
  return toJson(map(parsed));
}

/**
 * The JSON model the envelope is built from, and a serializer for it.
 *
 * Differences from JSON.stringify, on purpose:
 * - bigint is written as plain digits (int8, numeric-as-number, µs timestamps, LSNs never pass a
 *   JS number, so a value beyond 2^53 keeps every digit);
 * - RawJson is written verbatim (decimal.handling.mode=double writes the server's exact text);
 * - non-finite numbers become null, undefined object members are skipped, exactly like
 *   JSON.stringify; strings are escaped exactly like JSON.stringify (well-formed: lone
 *   surrogates as \udXXX).
 */

/** Pre-serialized JSON text, written as-is. The producer guarantees it is valid JSON. */
export class RawJson {
  constructor(readonly text: string) {}
}

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | bigint
  | RawJson
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

export type JsonObject = { readonly [k: string]: JsonValue };

// Characters JSON.stringify escapes: '"', '\\', C0 controls, and (well-formed stringify) surrogates
// — only lone ones get escaped, but any surrogate sends the string to the slow path to decide.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Whether JSON.stringify writes `s` as '"' + s + '"' (nothing in it to escape). */
export function quotesVerbatim(s: string): boolean {
  return !NEEDS_ESCAPE.test(s);
}

/** Quotes a string exactly as JSON.stringify does. */
export function quoteJson(s: string): string {
  // Short clean strings (the common case: column values, names) skip the native call.
  if (s.length < 64 && !NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  return JSON.stringify(s);
}

export function toJson(value: JsonValue): string {
  switch (typeof value) {
    case 'string':
      return quoteJson(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (value instanceof RawJson) return value.text;
      if (Array.isArray(value)) return arrayToJson(value as readonly JsonValue[]);
      return objectToJson(value as JsonObject);
    default:
      // undefined at top level (outside the type, but reachable from untyped callers).
      return 'null';
  }
}

function arrayToJson(items: readonly JsonValue[]): string {
  const n = items.length;
  if (n === 0) return '[]';
  let out = '[' + elementToJson(items[0]);
  for (let i = 1; i < n; i++) out += ',' + elementToJson(items[i]);
  return out + ']';
}

/** JSON.stringify writes undefined array elements as null. */
function elementToJson(v: JsonValue | undefined): string {
  return v === undefined ? 'null' : toJson(v);
}

function objectToJson(obj: JsonObject): string {
  const keys = Object.keys(obj); // own enumerable keys, in JSON.stringify's order
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = obj[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + quoteJson(k) + ':' + toJson(v);
    first = false;
  }
  return out + '}';
}

/**
 * Debezium's schema.name.adjustment.mode: the record names of the Connect schemas
 * (`<prefix>.<schema>.<table>.Key|Value|Envelope`) made valid Avro full names.
 *
 * Avro full names: each part starts with [A-Za-z_], continues with [A-Za-z0-9_], parts joined by
 * dots. Debezium 3.6.1 (SchemaNameAdjuster.validFullname) checks characters, not parts:
 * - the first character must be [A-Za-z_] (avro_unicode: [A-Za-z]); later ones [A-Za-z0-9_.]
 *   (avro_unicode: [A-Za-z0-9.]). A dot is never checked against what follows it, so
 *   `p.1t.Value` stays as it is.
 * - avro: each invalid character becomes `_`; an invalid first character that is a digit is
 *   kept after the `_` (`24col` -> `_24col`, DBZ-6559).
 * - avro_unicode: each invalid character becomes `_u` + its UTF-16 code unit in lower-case hex,
 *   padded to 4 digits only when it has at most 2 (`-` -> `_u002d`, `_` -> `_u005f`, `语` ->
 *   `_u8bed`). Characters beyond the BMP are two code units, each replaced.
 * - Two different names that adjust to the same one are an error (Debezium fails the task).
 * Names that are already valid (all fixed io.debezium.* names) come back unchanged.
 */
import type { SchemaNameAdjustment } from './options';

const isLetter = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const UNDERSCORE = 0x5f;
const DOT = 0x2e;

function unicodeEscape(c: number): string {
  const hex = c.toString(16);
  return '_u' + (hex.length <= 2 ? '00' + hex : hex);
}

/** One name adjusted under `mode` (stateless; see createSchemaNameAdjuster for conflicts). */
export function adjustSchemaName(name: string, mode: Exclude<SchemaNameAdjustment, 'none'>): string {
  if (name.length === 0) return name;
  const unicode = mode === 'avro_unicode';
  const validFirst = (c: number) => isLetter(c) || (!unicode && c === UNDERSCORE);
  const validNext = (c: number) => validFirst(c) || c === DOT || isDigit(c);
  const replace = (c: number) => (unicode ? unicodeEscape(c) : '_');
  let out = '';
  let changed = false;
  const first = name.charCodeAt(0);
  if (validFirst(first)) out += name[0];
  else {
    out += replace(first);
    if (!unicode && isDigit(first)) out += name[0];
    changed = true;
  }
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (validNext(c)) out += name[i];
    else {
      out += replace(c);
      changed = true;
    }
  }
  return changed ? out : name;
}

/** Told the first time a name is replaced. */
export type OnSchemaNameAdjusted = (original: string, adjusted: string) => void;

export class SchemaNameConflictError extends Error {
  constructor(readonly original: string, readonly adjusted: string, readonly other: string) {
    super(`schema name ${JSON.stringify(original)} is not a valid Avro name and its replacement ${JSON.stringify(adjusted)} ` +
      `is also the replacement of ${JSON.stringify(other)}: rename one of the tables or choose another topicPrefix`);
    this.name = 'SchemaNameConflictError';
  }
}

/**
 * The adjuster of a connector: identity for `none`; else adjustSchemaName, telling `onAdjusted`
 * once per original name and throwing SchemaNameConflictError when two originals meet in one
 * replacement (as Debezium's SchemaNameAdjuster.create does).
 */
export function createSchemaNameAdjuster(mode: SchemaNameAdjustment, onAdjusted?: OnSchemaNameAdjusted): (name: string) => string {
  if (mode === 'none') return (name) => name;
  const seen = new Map<string, string>(); // original -> adjusted
  const originalOf = new Map<string, string>(); // adjusted -> original
  return (name) => {
    const known = seen.get(name);
    if (known !== undefined) return known;
    const adjusted = adjustSchemaName(name, mode);
    if (adjusted !== name) {
      const other = originalOf.get(adjusted);
      if (other !== undefined && other !== name) throw new SchemaNameConflictError(name, adjusted, other);
      originalOf.set(adjusted, name);
      onAdjusted?.(name, adjusted);
    }
    seen.set(name, adjusted);
    return adjusted;
  };
}

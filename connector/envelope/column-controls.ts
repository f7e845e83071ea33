/**
 * Column controls from the envelope options, resolved per relation: which columns go into
 * before/after (envelope.columnInclude / columnExclude) and which character values are cut or
 * masked (columnTruncate / columnMask), as Debezium's column.include/exclude.list,
 * column.truncate.to.N.chars and column.mask.with.N.chars do. Checked against Debezium 3.6.1 in
 * test/integration/compat/columns.test.ts.
 */
import { createHash } from 'node:crypto';
import type { EnvelopeOptions } from './options';
import { parseColumnPattern, parseTablePattern } from '../source/tables';
import type { JsonValue } from './json';

type ColumnPattern = ReturnType<typeof parseColumnPattern>;
/**
 * A value mapper: `constant` replaces every value, null included; `map` sees non-null values.
 * `parameters`: what Debezium's mapper adds to the column's Connect schema parameters.
 */
export type ValueMapper =
  | { readonly kind: 'constant'; readonly value: JsonValue; readonly parameters?: Readonly<Record<string, string>> }
  | { readonly kind: 'map'; map(v: JsonValue): JsonValue; readonly parameters?: Readonly<Record<string, string>> };

const MASKED: Readonly<Record<string, string>> = Object.freeze({ masked: 'true' });

/** Character types Debezium's string mappers apply to: text, varchar, bpchar (char(n)). */
const CHARACTER_TYPES = new Set([25, 1043, 1042]);

/** Java MessageDigest names walcast accepts, with node:crypto's name. */
export const HASH_ALGORITHMS: Readonly<Record<string, string>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512', 'SHA-1': 'sha1', MD5: 'md5' };

/**
 * messageKeyColumns entries: `schema.table:col1,col2`. An entry without `:` continues the
 * previous rule's columns (a comma-separated env value splits a rule into several entries).
 * The first matching rule wins. Throws RangeError on a malformed rule.
 */
export function parseKeyColumnRules(entries: readonly string[]): Array<{ readonly table: ReturnType<typeof parseTablePattern>; readonly columns: string[] }> {
  const rules: Array<{ table: ReturnType<typeof parseTablePattern>; columns: string[] }> = [];
  for (const entry of entries) {
    const colon = entry.lastIndexOf(':');
    if (colon < 0) {
      const last = rules[rules.length - 1];
      if (last === undefined) throw new RangeError(`${JSON.stringify(entry)} must be schema.table:col1,col2`);
      last.columns.push(...splitColumns(entry));
      continue;
    }
    const columns = splitColumns(entry.slice(colon + 1));
    if (columns.length === 0) throw new RangeError(`${JSON.stringify(entry)} names no key column`);
    rules.push({ table: parseTablePattern(entry.slice(0, colon).trim()), columns });
  }
  return rules;
}

function splitColumns(s: string): string[] {
  return s.split(',').map((c) => c.trim()).filter((c) => c !== '');
}

/** `pattern=N`, N a non-negative integer; throws RangeError on anything else. */
export function parseSizedPattern(entry: string): { readonly pattern: ColumnPattern; readonly n: number } {
  const m = /^(.*)=(\d+)$/s.exec(entry);
  if (m === null) throw new RangeError(`${JSON.stringify(entry)} must be schema.table.column=N`);
  return { pattern: parseColumnPattern(m[1]!), n: Number(m[2]) };
}

export interface ColumnControls {
  /** Whether a non-key column goes into before/after. */
  inValue(schema: string, table: string, column: string): boolean;
  /** The message key columns of a table, replacing its primary key, or null. */
  keyColumns(schema: string, table: string): readonly string[] | null;
  /** The value mapper of a column (values only: Debezium leaves the key alone), or null. */
  mapper(schema: string, table: string, column: string, typeOid: number, typeMod: number): ValueMapper | null;
}

type ColumnOptions = 'columnInclude' | 'columnExclude' | 'columnTruncate' | 'columnMask' | 'columnMaskWithHash' | 'columnHashAlgorithm' | 'columnHashSalt' | 'messageKeyColumns';

export function columnControls(o: Pick<EnvelopeOptions, ColumnOptions>): ColumnControls {
  const include = o.columnInclude.map(parseColumnPattern);
  const exclude = o.columnExclude.map(parseColumnPattern);
  const truncate = o.columnTruncate.map(parseSizedPattern);
  const mask = o.columnMask.map(parseSizedPattern);
  const hashed = o.columnMaskWithHash.map(parseColumnPattern);
  const keyRules = parseKeyColumnRules(o.messageKeyColumns);
  const algorithm = HASH_ALGORITHMS[o.columnHashAlgorithm] ?? 'sha256';
  const salt = Buffer.from(o.columnHashSalt, 'utf8');
  // Debezium v2: digest of the salt, then the value's text as UTF-8; hex, lower case.
  const hash = (v: JsonValue): JsonValue => (typeof v === 'string' ? createHash(algorithm).update(salt).update(v, 'utf8').digest('hex') : v);
  return {
    keyColumns: (schema, table) => keyRules.find((r) => r.table.matches({ schema, table }))?.columns ?? null,
    inValue: (s, t, c) => (include.length === 0 || include.some((p) => p.matches(s, t, c))) && !exclude.some((p) => p.matches(s, t, c)),
    mapper: (s, t, c, typeOid, typeMod) => {
      if (!CHARACTER_TYPES.has(typeOid)) return null;
      const m = mask.find((x) => x.pattern.matches(s, t, c));
      // Debezium masks null values too.
      if (m !== undefined) return { kind: 'constant', value: '*'.repeat(m.n), parameters: MASKED };
      if (hashed.some((p) => p.matches(s, t, c))) {
        // Debezium cuts the digest to the column's declared length (varchar(n), char(n)): typmod n + 4.
        const length = typeMod >= 4 ? typeMod - 4 : Infinity;
        return { kind: 'map', parameters: MASKED, map: (v) => { const h = hash(v); return typeof h === 'string' && h.length > length ? h.slice(0, length) : h; } };
      }
      const cut = truncate.find((x) => x.pattern.matches(s, t, c));
      // Java's String.substring counts UTF-16 units, as JavaScript's does.
      if (cut !== undefined) {
        return { kind: 'map', parameters: { truncateLength: String(cut.n) }, map: (v) => (typeof v === 'string' && v.length > cut.n ? v.slice(0, cut.n) : v) };
      }
      return null;
    },
  };
}

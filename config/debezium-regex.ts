/**
 * Debezium's table and schema include/exclude lists are comma-separated Java regular
 * expressions matched against the whole `schema.table` (or schema) name. walcast's patterns are
 * `schema.table` with `*` for any run of characters within a part. This translates the regexes
 * that have such a form and refuses the rest with a reason, never guessing.
 *
 * Read as: identifier characters literally; `\.` and a lone `.` between the schema and the
 * table as the separator (Debezium's own examples write `public.orders`); `.*` as `*`, and `.+`
 * as `*` when it is a whole part (names are never empty); `\x` for a non-alphanumeric x as that
 * character.
 */

export type Translated = { readonly ok: true; readonly pattern: string } | { readonly ok: false; readonly reason: string };

/** Splits a Debezium list: commas separate entries (Debezium does not allow escaping them). */
export function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** One token of a regex: a literal character, `*` (any run) or the separator dot. */
type Token = { kind: 'lit'; ch: string } | { kind: 'any' } | { kind: 'anyPlus' } | { kind: 'dot' };

function tokenize(regex: string): Token[] | string {
  const tokens: Token[] = [];
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i]!;
    const next = regex[i + 1];
    if (c === '\\') {
      if (next === undefined) return 'ends in a lone backslash';
      if (/[A-Za-z0-9]/.test(next)) return `uses the character class \\${next}`;
      tokens.push(next === '.' ? { kind: 'dot' } : { kind: 'lit', ch: next });
      i++;
    } else if (c === '.') {
      if (next === '*' || next === '+') { tokens.push({ kind: next === '*' ? 'any' : 'anyPlus' }); i++; } else tokens.push({ kind: 'dot' });
    } else if ('[](){}|+?^$*'.includes(c)) {
      return `uses the regex operator ${c}`;
    } else {
      tokens.push({ kind: 'lit', ch: c });
    }
  }
  return tokens;
}

/** Renders tokens as one pattern part; a part holding `.`, `"` or spaces etc. is quoted. */
function part(tokens: readonly Token[]): string | null {
  // `.+` equals `*` only as a whole part (names are never empty); `order_.+` would not match `order_`.
  if (tokens.some((t) => t.kind === 'anyPlus')) return tokens.length === 1 ? '*' : null;
  let text = '';
  for (const t of tokens) {
    if (t.kind === 'dot' || t.kind === 'anyPlus') return null;
    text += t.kind === 'any' ? '*' : t.ch;
  }
  if (text === '') return null;
  if (/^[A-Za-z0-9_$*]+$/.test(text)) return text;
  // A quoted part is matched literally: it cannot also hold a wildcard.
  if (text.includes('*') || text.includes('"')) return null;
  return `"${text}"`;
}

/** `table.include.list` / `table.exclude.list` entry → `schema.table` pattern. */
export function tableRegexToPattern(regex: string): Translated {
  const tokens = tokenize(regex);
  if (typeof tokens === 'string') return { ok: false, reason: tokens };
  const dots = tokens.flatMap((t, i) => (t.kind === 'dot' ? [i] : []));
  if (dots.length === 0) {
    // `.*` alone matches every table of every schema.
    if (tokens.length === 1 && tokens[0]!.kind !== 'lit') return { ok: true, pattern: '*.*' };
    // `public.*`: the `.` of `.*` is the separator, as everyone writing it means.
    const last = tokens.length - 1;
    if (last > 0 && tokens[last]!.kind === 'any') {
      const schema = part(tokens.slice(0, last));
      if (schema !== null && !schema.includes('*')) return { ok: true, pattern: `${schema}.*` };
    }
    return { ok: false, reason: 'names no schema: write schema.table' };
  }
  if (dots.length > 1) return { ok: false, reason: 'has more than one dot that is not .* (a dot inside a name cannot be told from the separator)' };
  const schema = part(tokens.slice(0, dots[0]));
  const table = part(tokens.slice(dots[0]! + 1));
  if (schema === null || table === null) return { ok: false, reason: 'has an empty schema or table part, a wildcard inside a quoted name, or .+ inside a name' };
  return { ok: true, pattern: `${schema}.${table}` };
}

/** `schema.include.list` / `schema.exclude.list` entry → `schema.*` pattern. */
export function schemaRegexToPattern(regex: string): Translated {
  const tokens = tokenize(regex);
  if (typeof tokens === 'string') return { ok: false, reason: tokens };
  const schema = part(tokens);
  if (schema === null) return { ok: false, reason: 'is not a schema name (a dot is not expected here)' };
  return { ok: true, pattern: `${schema}.*` };
}

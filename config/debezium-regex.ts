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

function tokenize(whole: string): Token[] | string {
  // Debezium matches the whole name (Pattern.matcher(..).matches()), so a ^ at the start and a $
  // at the end change nothing: they are dropped, not refused.
  const regex = whole.replace(/^\^/, '').replace(/(?<!\\)\$$/, '');
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
  return regexToPattern(regex, 2);
}

/** `column.include.list` / `column.exclude.list` / column mapper entry → `schema.table.column` pattern. */
export function columnRegexToPattern(regex: string): Translated {
  return regexToPattern(regex, 3);
}

function regexToPattern(regex: string, partCount: 2 | 3): Translated {
  const what = partCount === 2 ? 'schema.table' : 'schema.table.column';
  const lexed = tokenize(regex);
  if (typeof lexed === 'string') return { ok: false, reason: lexed };
  let tokens = lexed;
  const dotCount = () => tokens.filter((t) => t.kind === 'dot').length;
  // Too few separators: a `.*` right after a name (`public.*`, `inventory.*.pin`) is read as a
  // separator and `*`, as everyone writing it means; a leading `.*` (`.*\.secret`) as `*.*`,
  // spanning the parts it stands for.
  while (dotCount() < partCount - 1) {
    const i = tokens.findIndex((t, k) => t.kind === 'any' && k > 0 && tokens[k - 1]!.kind === 'lit');
    if (i > 0) tokens = [...tokens.slice(0, i), { kind: 'dot' }, { kind: 'any' }, ...tokens.slice(i + 1)];
    else if (tokens[0]?.kind === 'any') tokens = [{ kind: 'any' }, { kind: 'dot' }, ...tokens];
    else return { ok: false, reason: `names too few parts: write ${what}` };
  }
  if (dotCount() > partCount - 1) return { ok: false, reason: 'has more dots than separators (a dot inside a name cannot be told from a separator)' };
  const dots = tokens.flatMap((t, i) => (t.kind === 'dot' ? [i] : []));
  const bounds = [-1, ...dots, tokens.length];
  const parts: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const p = part(tokens.slice(bounds[k]! + 1, bounds[k + 1]));
    if (p === null) return { ok: false, reason: 'has an empty part, a wildcard inside a quoted name, or .+ inside a name' };
    parts.push(p);
  }
  // Debezium's lists are case-insensitive regexes (CASE_INSENSITIVE): so is the translation.
  return { ok: true, pattern: `(?i)${parts.join('.')}` };
}

/** `schema.include.list` / `schema.exclude.list` entry → `schema.*` pattern. */
export function schemaRegexToPattern(regex: string): Translated {
  const tokens = tokenize(regex);
  if (typeof tokens === 'string') return { ok: false, reason: tokens };
  const schema = part(tokens);
  if (schema === null) return { ok: false, reason: 'is not a schema name (a dot is not expected here)' };
  return { ok: true, pattern: `(?i)${schema}.*` };
}

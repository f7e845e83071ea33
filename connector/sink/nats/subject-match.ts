/**
 * NATS subject wildcard matching, as the server applies it to stream subjects.
 * Tokens are separated by `.`; `*` matches exactly one token; `>` matches one or more trailing
 * tokens and may only be the last token.
 */

/** Does the subject pattern `pattern` (may hold wildcards) match the literal subject `subject`? */
export function subjectMatches(pattern: string, subject: string): boolean {
  return patternCovers(pattern, subject);
}

/**
 * Does every subject matched by `filter` also match `pattern`? Both may hold wildcards; a literal
 * filter reduces to `subjectMatches`. Used to check that a stream bound to e.g. `shop.>` or `>`
 * covers `shop.>`, while `shop.public.*` does not.
 */
export function patternCovers(pattern: string, filter: string): boolean {
  const p = pattern.split('.');
  const f = filter.split('.');
  for (let i = 0; i < p.length; i++) {
    const pt = p[i];
    if (pt === '>') return i < f.length; // `>` needs at least one token left
    if (i >= f.length) return false;
    const ft = f[i];
    if (ft === '>') return false; // an open tail is only covered by `>`
    if (pt === '*') continue; // covers a literal token or `*`
    if (ft === '*' || pt !== ft) return false;
  }
  return p.length === f.length;
}

/** The subjects (literal or wildcard filters) that none of `patterns` covers. */
export function uncoveredSubjects(patterns: readonly string[], subjects: readonly string[]): string[] {
  return subjects.filter((s) => !patterns.some((p) => patternCovers(p, s)));
}

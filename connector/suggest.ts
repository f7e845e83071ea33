/**
 * "did you mean": the candidate a slip most likely meant, by edit distance. Used for
 * `source.tables` entries that match no table, config keys and WALCAST_* variables nobody
 * declared.
 */

/** The candidate within a few edits of `word` (case ignored), or null when none is that close. */
export function closest(word: string, candidates: Iterable<string>, fold: (c: string) => readonly string[] = (c) => [c]): string | null {
  const wanted = word.toLowerCase();
  // One edit per 4 characters, at least 1 and at most 3: close enough to be a slip.
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 4)));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = Math.min(...fold(c).map((form) => editDistance(wanted, form.toLowerCase())));
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return best;
}

/**
 * Levenshtein distance, two rows of the dynamic-programming table. The words are names (at most
 * a few dozen characters), so the quadratic cost is a few thousand steps per candidate.
 */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * "did you mean": the existing table closest to a `source.tables` entry that matched nothing,
 * by edit distance between display names (`public.order` -> `public.orders`, case and quoting
 * slips like `public.Orders` included).
 */
import { displayName, type TableName } from './tables';

/** The table whose name is within a few edits of `pattern`, or null when none is close. */
export function closestTable(pattern: string, all: readonly TableName[]): string | null {
  const wanted = pattern.toLowerCase();
  // One edit per 4 characters, at least 1 and at most 3: close enough to be a slip.
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 4)));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const t of all) {
    const name = displayName(t);
    const d = Math.min(editDistance(wanted, name.toLowerCase()), editDistance(wanted, `${t.schema}.${t.table}`.toLowerCase()));
    if (d < bestDistance) { best = name; bestDistance = d; }
  }
  return best;
}

/** ` (did you mean "public.orders"?)` or ''. */
export function didYouMean(pattern: string, all: readonly TableName[]): string {
  const c = closestTable(pattern, all);
  return c === null ? '' : ` (did you mean "${c}"?)`;
}

/**
 * Levenshtein distance, two rows of the dynamic-programming table. Table names are at most
 * 63 bytes per part, so the quadratic cost is a few thousand steps per candidate.
 */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

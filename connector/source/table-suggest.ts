/**
 * "did you mean": the existing table closest to a `source.tables` entry that matched nothing,
 * by edit distance between display names (`public.order` -> `public.orders`, case and quoting
 * slips like `public.Orders` included).
 */
import { closest } from '../suggest';
import { displayName, type TableName } from './tables';

/** The table whose name is within a few edits of `pattern`, or null when none is close. */
export function closestTable(pattern: string, all: readonly TableName[]): string | null {
  const byName = new Map(all.map((t) => [displayName(t), t]));
  // Both forms: the display name and the raw `schema.table` (quoting slips like `public.Orders`).
  return closest(pattern, byName.keys(), (name) => {
    const t = byName.get(name)!;
    return [name, `${t.schema}.${t.table}`];
  });
}

/** ` (did you mean "public.orders"?)` or ''. */
export function didYouMean(pattern: string, all: readonly TableName[]): string {
  const c = closestTable(pattern, all);
  return c === null ? '' : ` (did you mean "${c}"?)`;
}

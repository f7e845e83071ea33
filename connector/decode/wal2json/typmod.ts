/**
 * wal2json gives a column's type as format_type_with_typemod() text ("numeric(12,3)",
 * "character varying(20)", "timestamp(3) with time zone", "bit(8)[]"), not atttypmod. pgoutput
 * gives atttypmod, so this recovers it for the types whose typmod downstream code reads:
 *   varchar/bpchar(n)        n + 4 (VARHDRSZ)
 *   numeric(p[,s])           ((p << 16) | s) + 4
 *   time/timetz/timestamp/timestamptz(p)   p
 *   bit/varbit(n)            n
 * Arrays carry their element's typmod. Anything else (including interval, whose typmod also
 * encodes the field list) is -1.
 */
const PATTERNS: readonly [RegExp, (a: number, b: number | undefined) => number][] = [
  [/^(?:character varying|character|varchar|bpchar)\((\d+)\)/, (n) => n + 4],
  [/^numeric\((\d+)(?:,(-?\d+))?\)/, (p, s) => ((p << 16) | ((s ?? 0) & 0xffff)) + 4],
  [/^(?:timestamp|time)\((\d+)\)/, (p) => p],
  [/^(?:bit varying|bit)\((\d+)\)/, (n) => n],
];

export function typeModFromTypeName(type: string | undefined): number {
  if (type === undefined || !type.includes('(')) return -1;
  for (const [re, f] of PATTERNS) {
    const m = re.exec(type);
    if (m !== null) return f(Number(m[1]), m[2] === undefined ? undefined : Number(m[2]));
  }
  return -1;
}

/** Plain-text tables for benchmark results: a title, aligned columns, optional notes. */

export type Cell = string | number | null;

export interface ResultTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly Cell[]>;
  /** Printed under the table, one line each (what was measured, caveats). */
  readonly notes?: readonly string[];
}

/** 1234567 -> "1,234,567"; fractions keep `digits` decimals. */
export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function renderTable(t: ResultTable): string {
  const text = (c: Cell): string => (c === null ? '-' : typeof c === 'number' ? num(c, Number.isInteger(c) ? 0 : 2) : c);
  const cells = t.rows.map((r) => t.columns.map((_, i) => text(r[i] ?? null)));
  const widths = t.columns.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  // First column (labels) left-aligned, numbers right-aligned.
  const line = (r: readonly string[]): string =>
    '| ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  const out = [`## ${t.title}`, '', line(t.columns), rule, ...cells.map(line)];
  if (t.notes && t.notes.length > 0) out.push('', ...t.notes.map((n) => `  ${n}`));
  return out.join('\n') + '\n';
}

/**
 * A Prometheus histogram read from a /metrics text: its cumulative buckets, and the bucket
 * bound under which a quantile of the observations fell (what the histogram can say, no more).
 */
export interface HistogramBuckets {
  /** Upper bounds in the metric's unit, ascending, `+Inf` last. */
  readonly le: readonly number[];
  /** Cumulative counts per bound. */
  readonly counts: readonly number[];
}

export function readHistogram(text: string, name: string): HistogramBuckets | null {
  const le: number[] = [];
  const counts: number[] = [];
  const line = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(line)) {
    le.push(m[1] === '+Inf' ? Infinity : Number(m[1]));
    counts.push(Number(m[2]));
  }
  return le.length === 0 ? null : { le, counts };
}

/** The smallest bucket bound with at least `q` (0..1) of the observations at or below it; NaN when empty. */
export function quantileBound(h: HistogramBuckets, q: number): number {
  const total = h.counts[h.counts.length - 1] ?? 0;
  if (total === 0) return NaN;
  for (let i = 0; i < h.le.length; i++) if (h.counts[i]! >= q * total) return h.le[i]!;
  return Infinity;
}

/**
 * The steady window of a streaming run: from the first poll that saw STEADY_FROM of the
 * workload's WAL confirmed to the first that saw STEADY_TO. What walcast compiles and sizes once
 * (V8 optimizing the hot functions on its helper threads, the first slabs, metadata) falls before
 * it, the drain of the last requests after it; both edges are polls of the same kind, so the
 * work read but not yet confirmed at each edge roughly cancels out.
 */
export const STEADY_FROM = 0.3;
export const STEADY_TO = 0.9;

export interface SteadyWindow {
  /** Fractions of the workload's WAL confirmed at the window's edges. */
  readonly fromFraction: number;
  readonly toFraction: number;
  /** The process's CPU (user + system) and the wall time between the two polls, seconds. */
  readonly cpuSeconds: number;
  readonly seconds: number;
}

/** Fed every poll; holds the window once a poll inside it and a later one past its end were seen. */
export class SteadyWindowTracker {
  private start: { readonly fraction: number; readonly cpu: number; readonly atMs: number } | null = null;
  private done: SteadyWindow | null = null;

  /** One poll: the confirmed fraction, the process's CPU seconds then (null: unreadable) and the time in ms. */
  observe(fraction: number, cpuSeconds: number | null, atMs: number): void {
    if (cpuSeconds === null || !this.wants(fraction)) return;
    if (this.start === null) {
      this.start = { fraction, cpu: cpuSeconds, atMs };
      return;
    }
    this.done = {
      fromFraction: this.start.fraction, toFraction: fraction,
      cpuSeconds: cpuSeconds - this.start.cpu, seconds: (atMs - this.start.atMs) / 1000,
    };
  }

  /**
   * Whether a poll at `fraction` is an edge of the window, so its CPU reading matters (callers
   * skip reading /proc otherwise). A first poll already past the end opens no window (too few
   * rows between polls).
   */
  wants(fraction: number): boolean {
    if (this.done !== null) return false;
    return this.start === null ? fraction >= STEADY_FROM && fraction < STEADY_TO : fraction >= STEADY_TO;
  }

  get window(): SteadyWindow | null {
    return this.done;
  }
}

/** The window's rows: the workload's rows times the share of its WAL the window covers. */
const windowRows = (rows: number, steady: SteadyWindow): number => rows * (steady.toFraction - steady.fromFraction);

/**
 * walcast's CPU per row in the window, µs: the window's rows are the workload's rows times the
 * share of its WAL the window covers (every workload transaction writes the same rows, so WAL
 * and rows grow together). Null without a window.
 */
export function steadyCpuPerRow(rows: number, steady: SteadyWindow | null): number | null {
  if (steady === null) return null;
  const n = windowRows(rows, steady);
  return n > 0 && steady.cpuSeconds > 0 ? (steady.cpuSeconds * 1e6) / n : null;
}

/** The note that says what the steady column measured. */
export function steadyNote(label: string, rows: number, steady: SteadyWindow | null): string {
  if (steady === null) return `${label} steady CPU us/row: n/a (no two polls inside the ${STEADY_FROM * 100}–${STEADY_TO * 100}% window: too few rows)`;
  return `${label} steady CPU us/row: its process CPU between the polls that saw ${(100 * steady.fromFraction).toFixed(0)}% and ${(100 * steady.toFraction).toFixed(0)}% `
    + `of the workload's WAL confirmed (${Math.round(windowRows(rows, steady)).toLocaleString('en-US')} rows, ${steady.seconds.toFixed(2)} s, ${(100 * steady.cpuSeconds / steady.seconds).toFixed(0)}% of a core), `
    + '÷ those rows: past the one-time warm-up (V8 optimizing the hot path on its helper threads) that the whole-stream figure spreads over the run\'s rows.';
}

/**
 * Who took the cores during a measured window, and what a rate target leaves walcast: the
 * other processes of the run (PostgreSQL, the broker) at their CPU per row of the same run,
 * scaled to the target rate; walcast would have the remaining cores. Used by the scenarios whose
 * reference is a server-side reader alone (spine: pg_recvlogical; snapshot: psql COPY) while
 * walcast shares the machine's cores with PostgreSQL and the broker it writes to.
 */
import type { CpuShare } from './machine-cpu';

export interface CpuWindow {
  /** Rows walcast moved in the window. */
  readonly rows: number;
  readonly seconds: number;
  readonly cores: number;
  /** Per root (walcast, PostgreSQL, broker), per cent of one core over the window (sampleCpu). */
  readonly share: CpuShare;
}

/** CPU microseconds per row of a share of `pct` per cent of one core over the window. */
export function usPerRow(w: CpuWindow, pct: number): number {
  return (pct / 100) * w.seconds / w.rows * 1e6;
}

const pctOf = (share: CpuShare, root: string): number => share.byRoot[root] ?? 0;

/** `CPU <when>, % of one core (N cores): walcast .., PostgreSQL .. (<postgresRole>), broker .., everything else ..; machine ..` */
export function cpuSplitLine(when: string, postgresRole: string, w: CpuWindow): string {
  const pct = (root: string): number => pctOf(w.share, root);
  return `CPU ${when}, % of one core (${w.cores} cores): walcast ${pct('walcast')}, PostgreSQL ${pct('PostgreSQL')} (${postgresRole}), `
    + `broker ${pct('broker')}, everything else ${w.share.other} (the bench's polling, the kernel, other tenants); machine ${w.share.machine}.`;
}

/**
 * A reference run's split (pg_recvlogical, psql COPY): `<label>: <name> <pct>, ..., everything
 * else ..; machine ..`, each root of `roots` under its printed name.
 */
export function referenceSplitLine(label: string, share: CpuShare, roots: readonly (readonly [root: string, name: string])[]): string {
  const parts = roots.map(([root, name]) => `${name} ${pctOf(share, root)}, `).join('');
  return `${label}: ${parts}everything else ${share.other}; machine ${share.machine}.`;
}

/**
 * At `targetRatio` x the reference rate, PostgreSQL and the broker at this window's CPU per row
 * would take so many cores; walcast's CPU per row would have to fit in the rest, its main
 * thread in at most one core.
 */
export function cpuBoundLine(w: CpuWindow, referenceRate: number, targetRatio: number): string {
  const target = targetRatio * referenceRate;
  const pg = usPerRow(w, pctOf(w.share, 'PostgreSQL'));
  const broker = usPerRow(w, pctOf(w.share, 'broker'));
  const left = w.cores - ((pg + broker) * target) / 1e6;
  return `At ${targetRatio.toFixed(2)}x (${Math.round(target).toLocaleString('en-US')} rows/s), PostgreSQL and the broker at this run's CPU per row `
    + `(${pg.toFixed(2)} + ${broker.toFixed(2)} us) would take ${(w.cores - left).toFixed(2)} of the ${w.cores} cores; `
    + (left <= 0 ? 'nothing would be left for walcast.'
      : `walcast would have to fit in the other ${left.toFixed(2)} (its main thread in at most one): `
        + `<= ${((Math.min(1, left) / target) * 1e6).toFixed(2)} us per row (this run: ${usPerRow(w, pctOf(w.share, 'walcast')).toFixed(2)}); `
        + 'everything else and the bench not counted.');
}

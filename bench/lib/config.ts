/** The walcast config file for a benchmark run (everything explicit; see config/schema.ts). */
import path from 'node:path';

export interface BenchConfigParams {
  readonly name: string;
  readonly url: string;
  readonly plugin: 'pgoutput' | 'wal2json';
  readonly slot: string;
  readonly publication: string;
  readonly sink: Record<string, unknown>;
  readonly stateDir: string;
  readonly snapshot?: Record<string, unknown>;
  readonly table?: string;
}

/** `b` over `a`, objects merged key by key (arrays and other values replaced). */
function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && cur !== null && typeof cur === 'object' && !Array.isArray(cur)
      ? merge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** The config of a run: the scenario's, with WALCAST_BENCH_CONFIG (JSON) merged over it. */
export function benchConfig(p: BenchConfigParams): Record<string, unknown> {
  const extra = process.env.WALCAST_BENCH_CONFIG;
  const base = baseConfig(p);
  return extra ? merge(base, JSON.parse(extra) as Record<string, unknown>) : base;
}

function baseConfig(p: BenchConfigParams): Record<string, unknown> {
  return {
    name: p.name,
    source: {
      url: p.url,
      plugin: p.plugin,
      slot: p.slot,
      publication: p.publication,
      publicationMode: 'filtered',
      tables: [`public.${p.table ?? 'bench'}`],
      // The minimum: status updates go out every 100 ms when the confirmed LSN moved, so the
      // bench sees the end of the run promptly. (Default 10000 -> a 1 s timer.)
      heartbeatMs: 100,
    },
    snapshot: p.snapshot ?? { mode: 'never' },
    sink: p.sink,
    topicPrefix: p.name,
    offsets: { stateDir: path.join(p.stateDir, p.name) },
    http: { port: 0 },
    log: { level: 'info' },
  };
}

export function rate(rows: number, seconds: number): number {
  return seconds > 0 ? rows / seconds : NaN;
}

/** "0.42x" */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : 'n/a';
}

/** "walcast after startup: 12,345 rows/s (0.42x)": the rate over the run minus node start, connect and setup. */
export function afterStartup(label: string, rows: number, seconds: number, startup: number | null, reference: number): string {
  if (startup === null || seconds <= startup) return `${label} after startup: n/a (no "connector streaming" log line seen)`;
  const r = rate(rows, seconds - startup);
  return `${label} after startup (${startup.toFixed(2)} s): ${Math.round(r).toLocaleString('en-US')} rows/s, ${ratio(r, reference)} of the reference`;
}

/**
 * walcast's CPU per row from its own process CPU time, startup excluded (node start, config,
 * connect and setup cost the same for 10 rows as for 10M): µs per row and rows per CPU-second.
 */
export function cpuPerRow(rows: number, cpuSeconds: number | null, startupCpuSeconds: number | null): { usPerRow: number | null; rowsPerCpuSecond: number | null } {
  if (cpuSeconds === null) return { usPerRow: null, rowsPerCpuSecond: null };
  const streaming = cpuSeconds - (startupCpuSeconds ?? 0);
  if (!(streaming > 0)) return { usPerRow: null, rowsPerCpuSecond: null };
  return { usPerRow: (streaming * 1e6) / rows, rowsPerCpuSecond: rows / streaming };
}

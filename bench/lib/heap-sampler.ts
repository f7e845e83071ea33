/**
 * Where a walcast child's memory is: its own /metrics (prom-client's default process metrics,
 * `walcast_` prefix) polled every `intervalMs`, keeping the peak of each figure. RSS alone says
 * how much; these say whether it is live JS objects (heap used), heap the GC has not returned
 * (heap total - used) or Buffers outside the heap (external).
 */
export interface HeapPeaks {
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  readonly oldSpaceUsedBytes: number;
  readonly newSpaceSizeBytes: number;
}

const FIGURES: ReadonlyArray<[keyof HeapPeaks, RegExp]> = [
  ['heapUsedBytes', /^walcast_nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m],
  ['heapTotalBytes', /^walcast_nodejs_heap_size_total_bytes(?:\{[^}]*\})? (\S+)/m],
  ['externalBytes', /^walcast_nodejs_external_memory_bytes(?:\{[^}]*\})? (\S+)/m],
  ['oldSpaceUsedBytes', /^walcast_nodejs_heap_space_size_used_bytes\{[^}]*space="old"[^}]*\} (\S+)/m],
  ['newSpaceSizeBytes', /^walcast_nodejs_heap_space_size_total_bytes\{[^}]*space="new"[^}]*\} (\S+)/m],
];

export function sampleHeap(port: number, intervalMs = 200): { stop(): HeapPeaks } {
  const peaks: Record<keyof HeapPeaks, number> = { heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, oldSpaceUsedBytes: 0, newSpaceSizeBytes: 0 };
  let busy = false;
  const take = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
      const text = await res.text();
      for (const [k, re] of FIGURES) {
        const m = re.exec(text);
        if (m) peaks[k] = Math.max(peaks[k], Number(m[1]));
      }
    } catch {
      // not listening yet, or gone
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void take(), intervalMs);
  return { stop: () => { clearInterval(timer); return { ...peaks }; } };
}

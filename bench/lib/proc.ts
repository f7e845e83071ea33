/** Linux /proc readings of another process: resident memory and CPU time. */
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  /** Current resident set, bytes. */
  readonly rss: number;
  /** Peak resident set ("high water mark") since the process started, bytes. */
  readonly hwm: number;
}

/** VmRSS and VmHWM of `pid`, or null once the process is gone. */
export function readMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we target. */
const CLK_TCK = 100;

/** User + system CPU seconds `pid` has used so far, or null once it is gone. */
export function readCpuSeconds(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the `(comm)`, which may itself hold spaces: state is field 3, utime 14, stime 15.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLK_TCK : null;
}

/** Samples a process's memory every `intervalMs`; `stop()` returns the peak seen (VmHWM included). */
export function sampleMemory(pid: number, intervalMs = 100): { stop(): ProcMemory } {
  let peak: ProcMemory = { rss: 0, hwm: 0 };
  const take = (): void => {
    const m = readMemory(pid);
    if (m) peak = { rss: Math.max(peak.rss, m.rss), hwm: Math.max(peak.hwm, m.hwm) };
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop(): ProcMemory {
      take();
      clearInterval(timer);
      return peak;
    },
  };
}

export const MB = 1024 * 1024;

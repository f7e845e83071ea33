/**
 * Child processes the bench started: tracked by pid so that an interrupted or failed run ends
 * them (only them) on the way out.
 */
import { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Ends a child: `signal`, then SIGKILL after `graceMs`. Resolves once it exited. */
export async function endChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Synchronous last resort for 'exit' hooks: SIGKILL every tracked child still running. */
export function killAllTrackedSync(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

/** Keeps the last `max` characters of a stream (for error messages). */
export function tail(max = 8000): { push(chunk: Buffer | string): void; text(): string } {
  let buf = '';
  return {
    push(chunk) { buf = (buf + chunk.toString()).slice(-max); },
    text: () => buf,
  };
}

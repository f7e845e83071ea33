import { spawn } from 'node:child_process';

/**
 * Starts a detached bash that runs `script` with `$1` = this process' pid and `$2...` = `args`;
 * scripts begin by waiting for that pid to go away (however it dies, SIGKILL included) and then
 * clean up after it. Returns a function that cancels the reaper.
 */
export function spawnDetachedReaper(name: string, script: string, args: readonly string[]): () => void {
  const child = spawn('bash', ['-c', script, name, String(process.pid), ...args], { detached: true, stdio: 'ignore' });
  child.unref();
  return () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      // Its own process group (detached): take the pending `sleep` down with it.
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
}

import { execFile, execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { spawnDetachedReaper } from './reaper';

// initdb and postgres refuse to run as root. As root we run them as the Debian `postgres` user
// via runuser, in directories it owns; as any other user we run them directly.

export const PG_BIN = process.env.WALCAST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';
const execFileAsync = promisify(execFile);
const isRoot = (): boolean => process.getuid?.() === 0;

interface Ids {
  uid: number;
  gid: number;
}
let postgresIds: Ids | undefined;

function ids(): Ids {
  postgresIds ??= {
    uid: Number(execFileSync('id', ['-u', OS_USER], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', OS_USER], { encoding: 'utf8' }).trim()),
  };
  return postgresIds;
}

/** argv that runs PG_BIN/<tool> as the cluster owner. */
export function pgCommand(tool: string, args: string[]): [string, string[]] {
  const bin = path.join(PG_BIN, tool);
  return isRoot() ? ['runuser', ['-u', OS_USER, '--', bin, ...args]] : [bin, args];
}

/** Runs a PostgreSQL tool as the cluster owner; rejects with its stderr on failure. */
export async function runPgTool(tool: string, args: string[], cwd: string): Promise<string> {
  const [cmd, argv] = pgCommand(tool, args);
  try {
    const { stdout } = await execFileAsync(cmd, argv, { cwd, env: pgEnv(), timeout: 120_000 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim()}`, {
      cause: err,
    });
  }
}

/** Synchronous variant for process-exit hooks; never throws. */
export function runPgToolSync(tool: string, args: string[], cwd: string): void {
  const [cmd, argv] = pgCommand(tool, args);
  try {
    execFileSync(cmd, argv, { cwd, env: pgEnv(), stdio: 'ignore', timeout: 30_000 });
  } catch {
    // Best effort: the caller removes the directory anyway.
  }
}

function pgEnv(): NodeJS.ProcessEnv {
  // The C locale keeps initdb quiet and identical everywhere; PG* variables from the caller's
  // shell must not redirect the tools to another cluster.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LC_ALL: 'C', LANG: 'C' };
  return env;
}

/** Gives the cluster owner a directory we created (no-op unless root). */
export async function giveToPostgres(dir: string): Promise<void> {
  if (!isRoot()) return;
  const { uid, gid } = ids();
  await chown(dir, uid, gid);
}

/**
 * A parent for cluster directories that the postgres user can reach: os.tmpdir() when every
 * ancestor is world-searchable, else /tmp.
 */
export function traversableTmpBase(): string {
  const base = os.tmpdir();
  if (!isRoot()) return base;
  for (let dir = path.resolve(base); ; dir = path.dirname(dir)) {
    // 0o001: search permission for "others", which the postgres user is for root's dirs.
    if ((statSync(dir).mode & 0o001) === 0) return '/tmp';
    if (dir === path.dirname(dir)) return base;
  }
}

/**
 * Starts a detached shell that waits for this process to exit (however it dies, SIGKILL
 * included), then stops the cluster and removes `rootDir`. Returns a function that cancels it.
 */
export function spawnReaper(dataDir: string, rootDir: string): () => void {
  const [cmd, argv] = pgCommand('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate']);
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'shift; if [ -f "$1/postmaster.pid" ]; then "${@:3}" >/dev/null 2>&1; fi; rm -rf "$2"';
  // bash for "${@:3}" (the pg_ctl argv after pid, dataDir, rootDir).
  return spawnDetachedReaper('walcast-pg-reaper', script, [dataDir, rootDir, cmd, ...argv]);
}

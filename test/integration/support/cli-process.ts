/**
 * Runs the built CLI (`dist/connector/cli.js`) as a child process, like a user would: with the
 * V8 heap flags every launcher this repository ships passes (MEMORY_FLAGS).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MEMORY_FLAGS } from '../../../connector/cli/memory-flags';
import { tempDir } from '../../infra/temp-dirs';

export const CLI = resolve(__dirname, '../../../dist/connector/cli.js');

export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (scripts/test.sh does)`);
}

export function writeConfigFile(config: object): string {
  const dir = tempDir('walcast-cfg-');
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  requireBuiltCli();
  let out = '';
  let err = '';
  const child = spawn(process.execPath, [...MEMORY_FLAGS, CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

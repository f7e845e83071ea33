/** pg_recvlogical as the physical limit: server-side decoding plus transfer, output to /dev/null. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { formatLsn } from '../../connector/protocol/lsn';
import { PG_BIN } from '../../test/infra/as-postgres';
import { tail, track } from './children';
import { machineBusySince, readMachineBusySeconds, sampleCpu, type CpuShare, type MachineBusy } from './machine-cpu';

export interface RecvlogicalOptions {
  readonly url: string;
  readonly slot: string;
  /** `-o` plugin options, e.g. { proto_version: '1', publication_names: 'pub' }. */
  readonly pluginOptions: Readonly<Record<string, string>>;
  /** Stops after the record at or beyond this LSN (--endpos). */
  readonly endpos: bigint;
  /** The postmaster's pid: with it, the result splits the run's CPU into pg_recvlogical and PostgreSQL (its walsender). */
  readonly postmasterPid?: number;
}

export interface RecvlogicalResult {
  readonly seconds: number;
  /** The whole machine's busy CPU seconds over the run (every process, /proc/stat), and its cores. */
  readonly machine: MachineBusy | null;
  /** pg_recvlogical's and PostgreSQL's CPU over the run (postmasterPid given), % of a core. */
  readonly cpu: CpuShare | null;
}

/** Runs pg_recvlogical until --endpos; resolves with the wall time in seconds. */
export async function runRecvlogical(opts: RecvlogicalOptions): Promise<RecvlogicalResult> {
  // The password goes through the environment, not argv (visible in ps).
  const url = new URL(opts.url);
  const password = decodeURIComponent(url.password);
  url.password = '';
  const args = ['-d', url.toString(), '--slot', opts.slot, '--start',
    ...Object.entries(opts.pluginOptions).flatMap(([k, v]) => ['-o', `${k}=${v}`]),
    '-f', '/dev/null', '--endpos', formatLsn(opts.endpos), '--no-loop'];
  const started = performance.now();
  const machineFrom = readMachineBusySeconds();
  const child = track(spawn(path.join(PG_BIN, 'pg_recvlogical'), args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PGPASSWORD: password },
  }));
  const cpuSampler = opts.postmasterPid === undefined || child.pid === undefined ? null : sampleCpu({ pg_recvlogical: child.pid, PostgreSQL: opts.postmasterPid });
  const err = tail();
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  let cpu: CpuShare | null = null;
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  }).finally(() => { cpu = cpuSampler?.stop() ?? null; });
  const seconds = (performance.now() - started) / 1000;
  const machine = machineBusySince(machineFrom);
  if (code !== 0) throw new Error(`pg_recvlogical exited ${code}: ${err.text().trim()}`);
  return { seconds, machine, cpu };
}

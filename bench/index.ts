/**
 * `npm run bench -- [--only spine,nats] [--rows 100k] [--list]`
 *
 * Starts a throwaway PostgreSQL 15 (settings for a 1M-row workload), and an Apache Kafka 4 broker
 * / a nats-server when a scenario asks for one, runs the scenarios one after the other, prints a
 * table per scenario on stdout (progress on stderr) and removes everything it started.
 * The machine is shared and noisy: each scenario compares walcast with a physical limit
 * measured in the same run, and the ratio is the number to track.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNats, NatsServerHandle } from '../test/infra/nats';
import { PgServer, startPostgres } from '../test/infra/postgres';
import { BenchArgs, DEFAULT_ROWS, parseArgs } from './lib/args';
import { killAllTrackedSync } from './lib/children';
import type { BenchContext } from './lib/context';
import { KafkaBroker, startRealKafka } from './lib/kafka';
import { renderTable } from './lib/table';
import { profileWalcastInto } from './lib/walcast-process';
import { SCENARIOS } from './scenarios';

/** PostgreSQL settings on top of the test cluster's (fsync off etc.) for millions of rows. */
const PG_SETTINGS: Record<string, string> = {
  max_wal_size: '4GB',
  min_wal_size: '1GB',
  checkpoint_timeout: '30min',
  shared_buffers: '256MB',
  wal_buffers: '16MB',
  // The default 64MB: 10k-row transactions stay in memory; set explicitly so it is visible.
  logical_decoding_work_mem: '64MB',
  wal_sender_timeout: '120s',
  autovacuum: 'off',
};

const USAGE = `usage: npm run bench -- [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--rows N] [--list]
  --rows N   workload rows (default ${DEFAULT_ROWS.toLocaleString('en-US')}; 100k for a quick run; k/m suffixes)
  --only     comma-separated scenarios (default: all)
  --kafka    real: Apache Kafka 4, KRaft, one broker (the only kind; kept for old command lines)
  --list     print the scenarios and exit
  --profile D  V8 CPU profiles of the walcast processes into D (summary: node dist/bench/profile.js D/<file>)`;

async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    const msg = (e as Error).message;
    process.stderr.write(`${msg === 'usage' ? '' : `bench: ${msg}\n`}${USAGE}\n`);
    return msg === 'usage' ? 0 : 1;
  }
  if (args.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(10)} ${s.summary}\n`);
    return 0;
  }
  const unknown = args.only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown scenario(s) ${unknown.join(', ')}\n${USAGE}\n`);
    return 1;
  }
  const selected = args.only.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => args.only.includes(s.name));

  if (args.profileDir !== null) profileWalcastInto(args.profileDir);
  const progress = (msg: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`); };
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'walcast-bench-'));
  let pg: PgServer | null = null;
  // Brokers start on first use; a holder object, so the closures' assignments are seen below.
  const brokers: { kafka?: Promise<KafkaBroker>; nats?: Promise<NatsServerHandle> } = {};
  const cleanupSync = (): void => {
    killAllTrackedSync();
    pg?.stopSync();
    rmSync(tmpDir, { recursive: true, force: true });
  };
  process.once('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => { progress(`${sig}: cleaning up`); cleanupSync(); process.exit(130); });
  }

  let failures = 0;
  try {
    progress(`starting PostgreSQL 15 (${Object.entries(PG_SETTINGS).map(([k, v]) => `${k}=${v}`).join(' ')})`);
    pg = await startPostgres({ extraConf: PG_SETTINGS });
    const server = pg;
    const ctx: BenchContext = {
      rows: args.rows,
      pg: server,
      tmpDir,
      progress,
      kafka: async () => (await (brokers.kafka ??= startRealKafka())).bootstrap,
      kafkaPid: async () => (brokers.kafka === undefined ? undefined : (await brokers.kafka).pid),
      kafkaKind: args.kafka,
      nats: async () => (await (brokers.nats ??= startNats())).info.url,
    };
    process.stdout.write(`walcast bench: ${args.rows.toLocaleString('en-US')} rows, Kafka ${args.kafka}, ${os.cpus().length} CPUs, node ${process.version}, ${new Date().toISOString()}\n\n`);
    for (const s of selected) {
      progress(`scenario ${s.name}: ${s.summary}`);
      try {
        for (const t of await s.run(ctx)) process.stdout.write(renderTable(t) + '\n');
      } catch (e) {
        failures++;
        process.stdout.write(`## ${s.name}: FAILED\n\n  ${(e as Error).stack ?? String(e)}\n\n`);
      }
    }
  } catch (e) {
    failures++;
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  } finally {
    await (await brokers.kafka?.catch(() => null))?.stop();
    await (await brokers.nats?.catch(() => null))?.stop();
    await pg?.stop();
    rmSync(tmpDir, { recursive: true, force: true });
  }
  return failures === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => { process.stderr.write(`bench: ${String(e)}\n`); process.exitCode = 2; },
);

/**
 * Exactly-once tests on the built CLI: connector processes on one database (kill -9 as in
 * production), a snapshot interrupted once part of it is committed, and a paced workload.
 */
import { Client } from 'pg';
import type { TestDatabase } from '../../infra/env';
import { kafkaFromInfra } from '../../infra/env';
import { readCommittedJava } from '../../infra/kafka-committed';
import { waitFor } from '../../infra/wait';
import { uniqueName } from '../../infra/names';
import { type CliProcess, startCli, writeConfigFile } from './cli-process';
import { slotRow, stdoutScenario, type StdoutScenario } from './stdout-run';

export interface EosTable {
  readonly s: StdoutScenario;
  readonly file: string;
  readonly topic: string;
  readonly config: Record<string, unknown>;
}

/**
 * Table t (id int key, v int) with ids 1..rows at v 0, and an exactly-once connector config on
 * it: state in a Kafka topic, `partitions` per topic (2), snapshot settings over chunks of 500,
 * the decoder plugin (pgoutput).
 */
export async function eosTable(db: TestDatabase, rows: number, opts: { partitions?: number; snapshot?: Record<string, unknown>; plugin?: 'pgoutput' | 'wal2json' } = {}): Promise<EosTable> {
  await db.query('DROP TABLE IF EXISTS t');
  await db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
  await db.query(`INSERT INTO t SELECT g, 0 FROM generate_series(1, ${rows}) g`);
  const s = stdoutScenario(db);
  const base = s.config();
  const config = s.config({
    source: { ...(base.source as Record<string, unknown>), plugin: opts.plugin ?? 'pgoutput' },
    sink: { type: 'kafka', kafka: { brokers: [kafkaFromInfra().bootstrap], partitions: opts.partitions ?? 2, exactlyOnce: true } },
    offsets: { stateDir: s.stateDir, topic: uniqueName('walcast_state') },
    snapshot: { mode: 'initial', chunkRows: 500, ...opts.snapshot },
  });
  return { s, file: writeConfigFile(config), topic: `${s.name}.public.t`, config };
}

export class EosRuns {
  readonly procs: CliProcess[] = [];

  start(file: string): CliProcess {
    const p = startCli(['run', '--config', file]);
    this.procs.push(p);
    return p;
  }

  /** After a test: every process killed, the slot inactive and dropped. */
  async cleanup(db: TestDatabase, slot: string): Promise<void> {
    for (const p of this.procs.splice(0)) if (p.child.exitCode === null) { p.child.kill('SIGKILL'); await p.exited; }
    await waitFor(async () => !((await slotRow(db, slot))?.active ?? false), { timeoutMs: 15_000 });
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  }

  /**
   * Starts and kill -9s the connector `waitMs(try)` after it began snapshotting, until a
   * read_committed consumer sees part of the snapshot (at most 10 tries); returns how many
   * records it saw (0 or `rows` when no try landed in the middle, or one completed).
   */
  async killMidSnapshot(file: string, topic: string, rows: number, waitMs: (tries: number) => number): Promise<number> {
    let partial = 0;
    for (let tries = 0; tries < 10 && (partial === 0 || partial >= rows); tries++) {
      const p = this.start(file);
      await waitFor(() => /"to":"snapshotting"/.test(p.stderr()) || p.child.exitCode !== null, { timeoutMs: 30_000, intervalMs: 5 });
      await new Promise((r) => setTimeout(r, waitMs(tries)));
      p.child.kill('SIGKILL');
      await p.exited;
      if (/snapshot complete/.test(p.stderr())) break;
      partial = (await readCommittedJava(kafkaFromInfra().bootstrap, [topic]).catch(() => [])).length;
    }
    return partial;
  }
}

/** Runs `step(writer, n)` for n = 1, 2, ... every `pauseMs` until stopped; stop() resolves to the count. */
export function pacedWorkload(db: TestDatabase, pauseMs: number, step: (writer: Client, n: number) => Promise<void>): { stop(): Promise<number> } {
  let stop = false;
  let n = 0;
  const writer = new Client({ connectionString: db.url });
  const done = (async () => {
    await writer.connect();
    while (!stop) {
      n += 1;
      await new Promise((r) => setTimeout(r, pauseMs));
      await step(writer, n);
    }
  })();
  done.catch(() => undefined);
  return { stop: async () => { stop = true; await done; await writer.end(); return n; } };
}

/**
 * Runs walcast and Debezium side by side on one database and compares what they emit.
 */
import { writeFileSync } from 'node:fs';
import type { HeartbeatConfig } from '../../../config/types';
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import type { TestDatabase } from '../../infra/env';
import { startDebezium, type DebeziumHandle } from '../../peers/debezium-runner';
import { compareOutputs, formatDifferences, type Comparison, type Difference, type PeerOutput } from './compare';
import { explain } from './known-differences';
import { startWalcast, type WalcastPeer } from './walcast-peer';

export interface PairRun {
  readonly debezium: DebeziumHandle;
  readonly walcast: WalcastPeer;
  stop(): Promise<void>;
}

/** Debezium first (its JVM is the slow one), then walcast; both stream when this resolves. */
export async function startPair(db: TestDatabase, opts: {
  tables: readonly string[];
  debeziumProps?: Record<string, string>;
  envelope?: Partial<EnvelopeOptions>;
  /** walcast's decoder; Debezium always reads pgoutput (Debezium 3 has no wal2json decoder). */
  plugin?: 'pgoutput' | 'wal2json';
  /** Both print Kafka Connect JSON with schemas ({schema, payload}). */
  schemas?: boolean;
  /** walcast's heartbeat settings (Debezium's go in debeziumProps). */
  heartbeat?: Partial<HeartbeatConfig>;
}): Promise<PairRun> {
  const debezium = await startDebezium(db, { tables: opts.tables, props: opts.debeziumProps, schemas: opts.schemas });
  let walcast: WalcastPeer;
  try {
    walcast = await startWalcast(db, {
      topicPrefix: debezium.topicPrefix, tables: opts.tables, plugin: opts.plugin, heartbeat: opts.heartbeat,
      envelope: opts.schemas === true ? { ...opts.envelope, schemas: true } : opts.envelope,
    });
  } catch (err) {
    await debezium.stop();
    throw err;
  }
  return {
    debezium, walcast,
    stop: async () => { await Promise.allSettled([walcast.stop(), debezium.stop()]); },
  };
}

/** Chooses the records of one peer that take part in the comparison (all by default). */
export type Select = <R extends PeerOutput>(records: R[]) => R[];

/** Compares; with WALCAST_COMPAT_REPORT=<dir> also writes `<label>.json` (counts and differences). */
export function comparePair(label: string, pair: PairRun, select: Select = (rs) => rs): Comparison {
  const result = compareOutputs(select(pair.walcast.records()), select(pair.debezium.records()));
  const dir = process.env.WALCAST_COMPAT_REPORT;
  if (dir) {
    writeFileSync(`${dir}/${label}.json`, JSON.stringify({
      label, matched: result.matched, differing: result.differences.length, differences: result.differences,
      walcast: pair.walcast.records(), debezium: pair.debezium.records(),
    }, null, 1));
  }
  return result;
}

/** Runs the comparison, logs the counts, and returns the differences no known reason explains. */
export function unexplainedDifferences(label: string, pair: PairRun, extra: (d: Difference) => unknown = () => undefined, select?: Select): string {
  const result = comparePair(label, pair, select);
  const unexplained: Difference[] = result.differences.filter((d) => explain(d) === undefined && extra(d) === undefined);
  process.stderr.write(`compat ${label}: ${result.matched} values match, ${result.differences.length} differ ` +
    `(${result.differences.length - unexplained.length} known, ${unexplained.length} unexplained)\n`);
  return formatDifferences(unexplained);
}

/**
 * walcast in process for the comparison suite: the real pipeline (slot, snapshot, stream,
 * envelope) with a sink that keeps every record in memory, headers included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../config/load';
import type { HeartbeatConfig } from '../../../config/types';
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import { startConnector } from '../../../connector/pipeline/supervisor';
import { createMemoryLogger, type CapturedLog } from '../../../connector/observe/logger';
import type { Sink } from '../../../connector/sink/port';
import type { SinkRecord } from '../../../connector/model/record';
import type { TestDatabase } from '../../infra/env';
import { waitFor } from '../../infra/wait';
import { isProbe } from '../../peers/debezium-runner';

export interface PeerRecord {
  readonly topic: string;
  readonly key: unknown;
  readonly value: unknown;
  readonly headers: Readonly<Record<string, unknown>>;
  /** `{"topic","key","value"}` with key and value as serialized (lossless comparisons). */
  readonly raw: string;
}

export interface WalcastPeer {
  readonly slot: string;
  records(): PeerRecord[];
  waitForRecords(predicate: (records: PeerRecord[]) => boolean, timeoutMs?: number): Promise<PeerRecord[]>;
  logs(): CapturedLog[];
  stop(): Promise<void>;
}

const PROBE_PREFIX = 'walcast-debezium-probe';

function memorySink(out: SinkRecord[]): Sink {
  return {
    type: 'stdout',
    start: async () => undefined,
    ensureTopics: async () => undefined,
    publish: async (records) => { out.push(...records); },
    stop: async () => undefined,
  };
}

function parse(b: Buffer | null): unknown {
  return b === null ? null : JSON.parse(b.toString('utf8'));
}

/**
 * Starts walcast with `topicPrefix` as its name and prefix (so topics and source.name are
 * Debezium's) and resolves once it streams: a probe message came out (like the Debezium runner).
 */
export async function startWalcast(db: TestDatabase, opts: {
  topicPrefix: string;
  tables: readonly string[];
  envelope?: Partial<EnvelopeOptions>;
  plugin?: 'pgoutput' | 'wal2json';
  heartbeat?: Partial<HeartbeatConfig>;
}): Promise<WalcastPeer> {
  const stateDir = mkdtempSync(join(tmpdir(), 'walcast-compat-'));
  // A slot name takes [a-z0-9_] only; the prefix may hold '-' (schema-names.test.ts).
  const slot = `wc_${opts.topicPrefix}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
  const config = loadConfig({
    env: {},
    overrides: {
      name: opts.topicPrefix,
      source: {
        url: db.url, slot, publication: slot, plugin: opts.plugin ?? 'pgoutput', tables: [...opts.tables],
        heartbeatMs: 500, retryInitialMs: 200, retryMaxMs: 2000,
      },
      snapshot: { mode: 'initial' },
      sink: { type: 'stdout' },
      envelope: { ...opts.envelope },
      heartbeat: { ...opts.heartbeat },
      log: { level: 'info' },
      http: { port: 0 },
      offsets: { stateDir },
    },
  });
  const sunk: SinkRecord[] = [];
  const logs: CapturedLog[] = [];
  const handle = startConnector(config, { logger: createMemoryLogger(logs), sinkFactory: () => memorySink(sunk) });
  const all = (): PeerRecord[] => sunk.map((r) => ({
    topic: r.topic, key: parse(r.key), value: parse(r.value), headers: { ...r.headers },
    raw: `{"topic":${JSON.stringify(r.topic)},"key":${r.key?.toString('utf8') ?? 'null'},"value":${r.value?.toString('utf8') ?? 'null'}}`,
  }));
  const records = (): PeerRecord[] => all().filter((r) => !isProbe(r.topic, r.key));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    await handle.stop('test');
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot]);
    await db.query(`DROP PUBLICATION IF EXISTS "${slot}"`);
    rmSync(stateDir, { recursive: true, force: true });
  })());
  try {
    await waitFor(async () => {
      if (handle.phase() === 'failed') throw new Error('walcast failed');
      if (all().some((r) => isProbe(r.topic, r.key))) return true;
      if (handle.phase() === 'streaming') await db.query('SELECT pg_logical_emit_message(true, $1, $2)', [PROBE_PREFIX, 'ready?']);
      return false;
    }, { timeoutMs: 60_000, intervalMs: 250, message: () => `walcast to stream; logs: ${JSON.stringify(logs.slice(-5))}` });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    slot, records, stop, logs: () => logs,
    waitForRecords: (predicate, timeoutMs = 60_000) => waitFor(() => {
      const rs = records();
      return predicate(rs) ? rs : undefined;
    }, { timeoutMs, intervalMs: 100, message: () => `walcast records (${records().length} so far)` }),
  };
}

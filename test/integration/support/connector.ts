/**
 * Helpers for end-to-end tests of the connector: a per-test database, config, an in-process
 * connector, and replaying topics into a final table state.
 */
import { topicHighWatermark } from '../../infra/kafka-reader';
import { loadConfig } from '../../../config/load';
import type { WalcastConfig } from '../../../config/types';
import { startConnector, ConnectorHandle } from '../../../connector/pipeline/supervisor';
import { createMemoryLogger, CapturedLog } from '../../../connector/observe/logger';
import type { Phase } from '../../../connector/pipeline/lifecycle';
import type { Metrics } from '../../../connector/observe/metrics';
import type { SinkFactory } from '../../../connector/sink/factory';
import { createTestDatabase, TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';

export interface Envelope {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: Record<string, unknown>;
  op: string;
  ts_ms: number;
}

export interface TopicMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface Scenario {
  db: TestDatabase;
  name: string;
  config: WalcastConfig;
}

/** A fresh database and a config that streams it to `sink` with unique slot/publication/prefix. */
export async function scenario(sink: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<Scenario> {
  const db = await createTestDatabase('spine');
  const name = uniqueName('wc');
  const overrides = {
    name,
    source: { url: db.url, heartbeatMs: 500, retryInitialMs: 200, retryMaxMs: 2000, ...(extra.source as object ?? {}) },
    snapshot: { mode: 'never', ...(extra.snapshot as object ?? {}) },
    sink,
    log: { level: 'silent' },
    http: { port: 0 },
    offsets: { stateDir: tempDir('walcast-state-') },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => !['source', 'snapshot'].includes(k))),
  };
  const config = loadConfig({ env: {}, overrides });
  return { db, name, config };
}

export interface Running {
  handle: ConnectorHandle;
  logs: CapturedLog[];
  phases: Phase[];
}

export function run(config: WalcastConfig, extra: { metrics?: Metrics; sinkFactory?: SinkFactory; recoveredAfterMs?: number } = {}): Running {
  const logs: CapturedLog[] = [];
  const phases: Phase[] = [];
  const handle = startConnector(config, { logger: createMemoryLogger(logs), onPhase: (p) => phases.push(p), ...extra });
  return { handle, logs, phases };
}

export function envelopeOf(m: TopicMessage): Envelope | null {
  return m.value ? (JSON.parse(m.value.toString('utf8')) as Envelope) : null;
}

/**
 * Applies messages in order: create/update/read set the key's row to `after`, delete and
 * tombstones remove it. Returns key JSON -> row.
 */
export function replay(messages: readonly TopicMessage[]): Map<string, Record<string, unknown>> {
  const state = new Map<string, Record<string, unknown>>();
  for (const m of messages) {
    const key = m.key ? m.key.toString('utf8') : 'null';
    const env = envelopeOf(m);
    if (!env || env.op === 'd') state.delete(key);
    else if (env.after) state.set(key, env.after);
  }
  return state;
}

export async function slotAndPublicationExist(db: TestDatabase, slot: string, publication: string): Promise<{ slot: boolean; publication: boolean }> {
  const [s] = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  const [p] = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_publication WHERE pubname = $1', [publication]);
  return { slot: s.n !== '0', publication: p.n !== '0' };
}

export async function dropSlotAndPublication(db: TestDatabase, slot: string, publication: string): Promise<void> {
  await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot]);
  await db.query(`DROP PUBLICATION IF EXISTS "${publication.replace(/"/g, '""')}"`);
}

export async function confirmedFlushLsn(db: TestDatabase, slot: string): Promise<bigint | null> {
  const [row] = await db.query<{ lsn: string | null }>(
    "SELECT (confirmed_flush_lsn - '0/0')::text AS lsn FROM pg_replication_slots WHERE slot_name = $1",
    [slot],
  );
  return row?.lsn ? BigInt(row.lsn) : null;
}

export async function currentWalLsn(db: TestDatabase): Promise<bigint> {
  const [row] = await db.query<{ lsn: string }>("SELECT (pg_current_wal_lsn() - '0/0')::text AS lsn");
  return BigInt(row.lsn);
}

/** Commit LSN (decimal) of a record id `<X/Y>:<index>`. */
export function commitLsnOfId(id: string): bigint {
  const [hi, lo] = id.split(':')[0].split('/');
  return (BigInt('0x' + hi) << 32n) | BigInt('0x' + lo);
}

/**
 * Runs `sql` in a transaction and returns an LSN read inside it, before COMMIT: once the slot's
 * confirmed_flush_lsn passes it, this commit and everything before it was acked by the broker.
 * `sql` must change a captured table (an empty or unpublished transaction is never confirmed).
 */
export async function lsnBeforeCommit(db: TestDatabase, sql: string): Promise<bigint> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(sql);
    const { rows } = await client.query<{ lsn: string }>("SELECT (pg_current_wal_lsn() - '0/0')::text AS lsn");
    await client.query('COMMIT');
    return BigInt(rows[0].lsn);
  } finally {
    await client.end();
  }
}

export async function waitConfirmedPast(db: TestDatabase, slot: string, lsnValue: bigint, timeoutMs = 120_000): Promise<void> {
  const { waitFor } = await import('../../infra/wait');
  await waitFor(async () => ((await confirmedFlushLsn(db, slot)) ?? 0n) > lsnValue, {
    timeoutMs, intervalMs: 100, message: `slot ${slot} to confirm past ${lsnValue}`,
  });
}

/** Messages in a Kafka topic: the sum of its partitions' high watermarks (cheap; no consumer). */
export const topicSize = topicHighWatermark;

/** A `(id, v)` table as the replay of its topic should look: key JSON -> row. */
export async function tableState(db: TestDatabase, table: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = await db.query<{ id: number; v: number }>(`SELECT id, v FROM ${table}`);
  return new Map(rows.map((r) => [JSON.stringify({ id: r.id }), { id: r.id, v: r.v }]));
}

/** Where the replay of `msgs` differs from `expected` (empty when equal), one line per key. */
export function replayDiff(expected: Map<string, Record<string, unknown>>, msgs: readonly TopicMessage[]): string[] {
  const state = replay(msgs);
  const out: string[] = [];
  for (const [k, v] of expected) if (JSON.stringify(state.get(k)) !== JSON.stringify(v)) out.push(`${k}: table ${JSON.stringify(v)} topic ${JSON.stringify(state.get(k))}`);
  for (const k of state.keys()) if (!expected.has(k)) out.push(`${k}: only in topic`);
  return out;
}

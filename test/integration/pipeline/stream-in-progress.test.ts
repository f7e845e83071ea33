/**
 * In-progress transactions against the real PostgreSQL (pgoutput v2, streaming on): large
 * transactions that commit, abort, or roll back to a savepoint for half their rows, and two
 * interleaved streamed transactions. Exactly the committed rows arrive, in commit order, nothing
 * before the commit, and the spill directory is empty afterwards.
 *
 * `logical_decoding_work_mem` is set to its minimum (64kB) on the test's own database: the
 * walsender (replication=database) reads per-database settings at connect, so streaming starts
 * after a few hundred rows. pg_stat_replication_slots proves the server really streamed.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../../config/load';
import { startConnector, type ConnectorHandle } from '../../../connector/pipeline/supervisor';
import { createMemoryLogger, type CapturedLog } from '../../../connector/observe/logger';
import type { Phase } from '../../../connector/pipeline/lifecycle';
import type { Sink } from '../../../connector/sink/port';
import type { SinkRecord } from '../../../connector/model/record';
import { waitFor } from '../../infra/wait';
import { confirmedFlushLsn, dropSlotAndPublication, scenario, type Scenario } from '../support/connector';

interface Row { id: number; op: string; commitLsn: string; index: number }

/** A sink that keeps, per record, what the assertions need (not the whole envelope). */
function memorySink(rows: Row[]): Sink {
  return {
    type: 'stdout',
    start: async () => undefined,
    ensureTopics: async () => undefined,
    publish: async (records: readonly SinkRecord[]) => {
      for (const r of records) {
        if (!r.value) continue; // tombstones
        const env = JSON.parse(r.value.toString('utf8')) as { op: string; after: { id: number } | null; before: { id: number } | null };
        const [commitLsn, index] = r.id.split(':');
        rows.push({ id: (env.after ?? env.before)!.id, op: env.op, commitLsn, index: Number(index) });
      }
    },
    stop: async () => undefined,
  };
}

/**
 * Rows of the large transactions (commit, abort, savepoint): the 1M-row proof, about 50 s
 * for the whole file on 2 shared cores (measured); WALCAST_TEST_STREAM_ROWS=20000 for a quick run.
 * Memory at that size is measured by `npm run bench -- --only bigtx`, not here.
 */
const N = Number(process.env.WALCAST_TEST_STREAM_ROWS ?? 1_000_000);
const ABORT_BASE = 100_000_000;
const SAVEPOINT_BASE = 200_000_000;

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('in-progress transactions (pgoutput v2, streaming on)', () => {
  let s: Scenario;
  let handle: ConnectorHandle;
  const rows: Row[] = [];
  const logs: CapturedLog[] = [];
  const phases: Phase[] = [];
  let spillDir: string;
  let app: Client;

  const slotStats = async (): Promise<{ stream_txns: number; spill_txns: number }> => {
    const [r] = await s.db.query<{ stream_txns: string; spill_txns: string }>(
      'SELECT stream_txns::text, spill_txns::text FROM pg_stat_replication_slots WHERE slot_name = $1', [s.config.source.slot]);
    return { stream_txns: Number(r?.stream_txns ?? 0), spill_txns: Number(r?.spill_txns ?? 0) };
  };
  const spillFiles = (): string[] => (existsSync(spillDir) ? readdirSync(spillDir) : []);
  const marker = async (id: number): Promise<void> => {
    await app.query('INSERT INTO t VALUES ($1, 0)', [id]);
    await waitFor(() => rows.some((r) => r.id === id), { timeoutMs: 60_000, message: `marker ${id} to arrive` });
  };

  beforeAll(async () => {
    s = await scenario({ type: 'stdout' }, { source: { tables: ['public.t'], streamSpillMemoryBytes: 64 * 1024 } });
    spillDir = join(s.config.offsets.stateDir, `${s.config.name}.spill`);
    await s.db.query(`ALTER DATABASE "${s.db.name}" SET logical_decoding_work_mem = '64kB'`);
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    app = new Client({ connectionString: s.db.url });
    await app.connect();
    handle = startConnector(s.config, {
      logger: createMemoryLogger(logs), onPhase: (p) => phases.push(p), sinkFactory: () => memorySink(rows),
    });
    await waitFor(() => phases.includes('streaming'), { timeoutMs: 30_000, message: () => `connector did not start: ${JSON.stringify(logs.slice(-5))}` });
  });

  afterAll(async () => {
    await handle?.stop('test done');
    await app?.end();
    if (s) {
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
      rmSync(s.config.offsets.stateDir, { recursive: true, force: true });
    }
  });

  beforeEach(() => { rows.length = 0; });

  it('publishes a large transaction only at its commit, from local disk, in order; then confirms past it', async () => {
    const before = await slotStats();
    await app.query('BEGIN');
    await app.query('INSERT INTO t SELECT g, g FROM generate_series(1, $1::int) g', [N]);
    // Streamed and spilled to disk while the transaction is still open; nothing published.
    await waitFor(() => spillFiles().some((f) => statSync(join(spillDir, f)).size > 64 * 1024), {
      timeoutMs: 60_000, message: () => `a spill file in ${spillDir}: ${JSON.stringify(spillFiles())}`,
    });
    expect(rows).toHaveLength(0);
    await app.query('COMMIT');
    const [{ lsn: afterCommit }] = (await app.query<{ lsn: string }>("SELECT (pg_current_wal_lsn() - '0/0')::text AS lsn")).rows;

    await waitFor(() => rows.length >= N, { timeoutMs: 600_000, message: () => `${N} rows, have ${rows.length}` });
    expect(rows.map((r) => r.id)).toEqual(range(1, N));
    expect(rows.every((r) => r.op === 'c')).toBe(true);
    expect(new Set(rows.map((r) => r.commitLsn)).size).toBe(1);
    expect(rows.map((r) => r.index)).toEqual(range(0, N - 1));
    const after = await slotStats();
    expect(after.stream_txns).toBeGreaterThan(before.stream_txns);
    expect(after.spill_txns).toBe(before.spill_txns); // the server streamed instead of spilling
    await waitFor(async () => ((await confirmedFlushLsn(s.db, s.config.source.slot)) ?? 0n) >= BigInt(afterCommit), {
      timeoutMs: 60_000, message: 'slot to confirm past the streamed commit',
    });
    expect(spillFiles()).toEqual([]);
  });

  it('drops an aborted large transaction and its spill', async () => {
    const before = await slotStats();
    await app.query('BEGIN');
    await app.query('INSERT INTO t SELECT g, g FROM generate_series($1::int, $2::int) g', [ABORT_BASE + 1, ABORT_BASE + N]);
    await waitFor(() => spillFiles().length > 0, { timeoutMs: 60_000, message: 'a spill file' });
    await app.query('ROLLBACK');
    await waitFor(() => spillFiles().length === 0, { timeoutMs: 60_000, message: () => `spill removed: ${JSON.stringify(spillFiles())}` });
    await marker(300000001);
    expect(rows.map((r) => r.id)).toEqual([300000001]);
    expect((await slotStats()).stream_txns).toBeGreaterThan(before.stream_txns);
  });

  it('drops only the rows of subtransactions rolled back to a savepoint', async () => {
    // Half of N kept (in the top transaction and a released savepoint), half rolled back (in a
    // savepoint and one nested in it), then a few more kept and an UPDATE rolled back.
    const b = SAVEPOINT_BASE;
    const q = Math.floor(N / 4);
    const ins = (from: number, to: number) => app.query('INSERT INTO t SELECT g, 1 FROM generate_series($1::int, $2::int) g', [b + from, b + to]);
    await app.query('BEGIN');
    await ins(1, q);
    await app.query('SAVEPOINT kept');
    await ins(q + 1, 2 * q);
    await app.query('RELEASE SAVEPOINT kept');
    await app.query('SAVEPOINT half');
    await ins(2 * q + 1, 3 * q);
    await app.query('SAVEPOINT nested');
    await ins(3 * q + 1, 4 * q);
    await app.query('ROLLBACK TO SAVEPOINT half'); // drops both nested subtransactions
    await ins(4 * q + 1, 4 * q + 10);
    await app.query('SAVEPOINT last');
    await app.query('UPDATE t SET v = 2 WHERE id BETWEEN $1::int AND $2::int', [b + 1, b + 5]);
    await app.query('ROLLBACK TO SAVEPOINT last');
    await app.query('COMMIT');
    const expected = [...range(b + 1, b + 2 * q), ...range(b + 4 * q + 1, b + 4 * q + 10)];
    await waitFor(() => rows.length >= expected.length, { timeoutMs: 600_000, message: () => `${expected.length} rows, have ${rows.length}` });
    await marker(300000002);
    expect(rows.map((r) => r.id)).toEqual([...expected, 300000002]);
    expect(rows.slice(0, -1).every((r) => r.op === 'c')).toBe(true);
    expect(spillFiles()).toEqual([]);
  });

  it('receives a transaction streaming across a restart again from its start, once', async () => {
    await app.query('BEGIN');
    await app.query('INSERT INTO t SELECT g, g FROM generate_series(400000001, 400015000) g');
    await waitFor(() => spillFiles().length > 0, { timeoutMs: 60_000, message: 'a spill file' });
    await handle.stop('restart during a streamed transaction');
    expect(existsSync(spillDir)).toBe(false);
    phases.length = 0;
    handle = startConnector(s.config, { logger: createMemoryLogger(logs), onPhase: (p) => phases.push(p), sinkFactory: () => memorySink(rows) });
    await waitFor(() => phases.includes('streaming'), { timeoutMs: 30_000, message: 'connector to restart' });
    await app.query('INSERT INTO t SELECT g, g FROM generate_series(400015001, 400020000) g');
    await app.query('COMMIT');
    await marker(300000003);
    expect(rows.map((r) => r.id)).toEqual([...range(400000001, 400020000), 300000003]);
  });

  it('publishes the same records (ids included) as a session that does not stream', async () => {
    const offRows: Row[] = [];
    const offName = `${s.name}_off`;
    const off = loadConfig({ env: {}, overrides: {
      name: offName,
      source: { url: s.db.url, tables: ['public.t'], streamInProgress: false, heartbeatMs: 500 },
      snapshot: { mode: 'never' }, sink: { type: 'stdout' }, log: { level: 'silent' }, http: { port: 0 },
      offsets: { stateDir: s.config.offsets.stateDir },
    } });
    const offPhases: Phase[] = [];
    const offHandle = startConnector(off, { logger: createMemoryLogger([]), onPhase: (p) => offPhases.push(p), sinkFactory: () => memorySink(offRows) });
    try {
      await waitFor(() => offPhases.includes('streaming'), { timeoutMs: 30_000, message: 'the non-streaming connector to start' });
      const before = await slotStats();
      await app.query('BEGIN');
      await app.query('INSERT INTO t SELECT g, 1 FROM generate_series(800000001, 800010000) g');
      await app.query('SAVEPOINT s');
      await app.query('UPDATE t SET v = 2 WHERE id BETWEEN 800000001 AND 800002000');
      await app.query('ROLLBACK TO SAVEPOINT s');
      await app.query('DELETE FROM t WHERE id BETWEEN 800000001 AND 800000100');
      await app.query('COMMIT');
      const expected = 10000 + 100; // creates, then deletes (tombstones are not kept by the memory sink)
      await waitFor(() => rows.length >= expected && offRows.length >= expected, {
        timeoutMs: 120_000, message: () => `${expected} rows on both, have ${rows.length} and ${offRows.length}`,
      });
      expect(rows).toEqual(offRows);
      expect(rows.filter((r) => r.op === 'd').map((r) => r.id)).toEqual(range(800000001, 800000100));
      const [offStats] = await s.db.query<{ stream_txns: string }>('SELECT stream_txns::text FROM pg_stat_replication_slots WHERE slot_name = $1', [off.source.slot]);
      expect(Number(offStats?.stream_txns ?? 0)).toBe(0);
      expect((await slotStats()).stream_txns).toBeGreaterThan(before.stream_txns);
    } finally {
      await offHandle.stop('test done');
      await dropSlotAndPublication(s.db, off.source.slot, off.source.publication);
    }
  });

  it('keeps interleaved streamed transactions apart and publishes them in commit order', async () => {
    const other = new Client({ connectionString: s.db.url });
    await other.connect();
    try {
      await app.query('BEGIN');
      await other.query('BEGIN');
      await app.query('INSERT INTO t SELECT g, 1 FROM generate_series(500000001, 500005000) g');
      await other.query('INSERT INTO t SELECT g, 1 FROM generate_series(600000001, 600005000) g');
      await app.query('INSERT INTO t SELECT g, 1 FROM generate_series(500005001, 500010000) g');
      await other.query('INSERT INTO t SELECT g, 1 FROM generate_series(600005001, 600010000) g');
      await s.db.query('INSERT INTO t VALUES (700000001, 1)'); // a small transaction between them
      await other.query('COMMIT');
      await app.query('COMMIT');
    } finally {
      await other.end();
    }
    const expected = [700000001, ...range(600000001, 600010000), ...range(500000001, 500010000)];
    await waitFor(() => rows.length >= expected.length, { timeoutMs: 120_000, message: () => `${expected.length} rows, have ${rows.length}` });
    expect(rows.map((r) => r.id)).toEqual(expected);
    expect(new Set(rows.map((r) => r.commitLsn)).size).toBe(3);
  });
});

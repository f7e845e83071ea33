/**
 * The snapshot reader against the real PostgreSQL, publishing to an in-memory sink: exactly one
 * op 'r' record per row with the right key, values, markers and ids; keyless and oddly named
 * tables; isolation by an exported snapshot; bounded in-flight records; abort and failures.
 */
import { Client } from 'pg';
import { ConnectorError } from '../../../connector/errors';
import { EnvelopeBuilder } from '../../../connector/envelope/builder';
import { createMemoryLogger, type CapturedLog } from '../../../connector/observe/logger';
import { parseLsn, type Lsn } from '../../../connector/protocol/lsn';
import type { Sink } from '../../../connector/sink/port';
import type { SinkRecord } from '../../../connector/model/record';
import { quoteIdent } from '../../../connector/source/sql';
import { runSnapshot, type SnapshotOptions } from '../../../connector/snapshot';
import { createTestDatabase, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';

jest.setTimeout(180_000);

interface Envelope {
  before: unknown;
  after: Record<string, unknown> | null;
  source: Record<string, unknown>;
  op: string;
}

/** Acks each publish on a later turn of the event loop; records what it saw. */
class MemorySink implements Sink {
  readonly type = 'stdout' as const;
  readonly records: SinkRecord[] = [];
  unacked = 0;
  maxUnacked = 0;
  failAfter = Infinity;
  async start(): Promise<void> {}
  async ensureTopics(): Promise<void> {}
  async stop(): Promise<void> {}
  publish(records: readonly SinkRecord[]): Promise<void> {
    this.unacked += records.length;
    this.maxUnacked = Math.max(this.maxUnacked, this.unacked);
    return new Promise((resolve, reject) => setImmediate(() => {
      this.unacked -= records.length;
      if (this.records.length + records.length > this.failAfter) {
        reject(new ConnectorError('SINK_SEND', 'broker said no'));
        return;
      }
      this.records.push(...records);
      resolve();
    }));
  }
}

const CP = parseLsn('16/B374D848');
let db: TestDatabase;
let logs: CapturedLog[];

const envelope = (r: SinkRecord): Envelope => JSON.parse(r.value!.toString('utf8')) as Envelope;

function options(sink: Sink, over: Partial<SnapshotOptions> = {}): SnapshotOptions {
  logs = [];
  return {
    url: db.url, snapshotName: null, consistentPoint: CP, tables: [], parallelism: 2, chunkRows: 10_000,
    builder: new EnvelopeBuilder({
      connectorName: 'shop', topicPrefix: 'shop', database: db.name, version: '0.0.0-test',
      options: { tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric', skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [], columnTruncate: [], columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [] },
    }),
    sink, logger: createMemoryLogger(logs), maxInFlightRecords: 2000, progress: 'log', ...over,
  };
}

beforeAll(async () => {
  db = await createTestDatabase('snap');
  await db.query(`
    CREATE TABLE items (id int8 PRIMARY KEY, name text NOT NULL, price numeric(10,2), created timestamptz, tags text[]);
    INSERT INTO items SELECT g, 'item ' || g, g / 100.0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',
                             ARRAY['a', g::text] FROM generate_series(1, 200000) g;
    CREATE TABLE logbook (at int, note text);
    INSERT INTO logbook SELECT g % 50, 'n' || (g % 7) FROM generate_series(1, 3000) g;
    INSERT INTO logbook VALUES (1, 'n1'), (1, 'n1');
    CREATE TABLE "Order Items" ("order id" int, "Line" text, qty int, PRIMARY KEY ("order id", "Line"));
    INSERT INTO "Order Items" SELECT g / 3, 'L' || (g % 3), g FROM generate_series(0, 299) g;
    CREATE TABLE empty_one (id int PRIMARY KEY);
    ANALYZE;`);
});

describe('runSnapshot', () => {
  it('reads a 200k-row table in key chunks with 2 readers: one correct op r record per row', async () => {
    const sink = new MemorySink();
    const result = await runSnapshot(options(sink, { tables: [{ schema: 'public', table: 'items' }] }));
    expect(result).toMatchObject({ tables: 1, rows: 200_000 });
    process.stderr.write(`snapshot 200k rows, 2 readers, memory sink: ${Math.round(result.rows / (result.durationMs / 1000))} rows/s\n`);
    expect(sink.records).toHaveLength(200_000);

    const seen = new Set<number>();
    const markers = new Map<string, number>();
    const badIds: string[] = [];
    let wrongValues = 0;
    for (const r of sink.records) {
      const key = JSON.parse(r.key!.toString()) as { id: number };
      seen.add(key.id);
      if (r.id !== `16/B374D848:r:public.items:{"id":${key.id}}`) badIds.push(r.id);
      const e = envelope(r);
      if (e.after?.id !== key.id || e.after?.name !== `item ${key.id}`) wrongValues++;
      const m = String(e.source.snapshot);
      markers.set(m, (markers.get(m) ?? 0) + 1);
    }
    expect(badIds).toEqual([]);
    expect(wrongValues).toBe(0);
    expect(seen.size).toBe(200_000);
    expect([...seen].every((id) => id >= 1 && id <= 200_000)).toBe(true);
    // One table: its first record is the snapshot's first, its last the snapshot's last.
    expect(markers).toEqual(new Map([['first', 1], ['true', 199_998], ['last', 1]]));
    expect(envelope(sink.records[0]!).source.snapshot).toBe('first');
    expect(envelope(sink.records.at(-1)!).source.snapshot).toBe('last');

    const e = envelope(sink.records.find((r) => r.key!.toString() === '{"id":12345}')!);
    expect(e).toMatchObject({ op: 'r', before: null }); // Debezium defaults: numeric precise = base64 unscaled, timestamptz = ISO text
    expect(e.after).toEqual({ id: 12345, name: 'item 12345', price: 'MDk=', created: '2024-01-01T03:25:45.000000Z', tags: ['a', '12345'] });
    expect(e.source).toMatchObject({ schema: 'public', table: 'items', db: db.name, lsn: Number(CP), name: 'shop' });
    // The snapshot's xmax stands in for Debezium's snapshot transaction id.
    expect(typeof e.source.txId).toBe('number');
    expect(sink.records[0]!.topic).toBe('shop.public.items');
    expect(sink.records[0]!.headers).toEqual({ op: 'r' });
    expect(sink.maxUnacked).toBeLessThanOrEqual(2000);

    const done = logs.filter((l) => l.msg.startsWith('snapshot of public.items done'));
    expect(done).toHaveLength(1);
    expect(done[0]!.fields).toMatchObject({ table: 'public.items', rowsDone: 200_000, percent: 100 });
  });

  it('reads a keyless table by ctid pages (duplicates kept) and a quoted composite-key table', async () => {
    const sink = new MemorySink();
    const tables = [
      { schema: 'public', table: 'logbook' }, { schema: 'public', table: 'Order Items' }, { schema: 'public', table: 'empty_one' },
    ];
    const result = await runSnapshot(options(sink, { tables, chunkRows: 100, parallelism: 3, maxInFlightRecords: 150 }));
    expect(result).toMatchObject({ tables: 3, rows: 3302 });
    expect(sink.maxUnacked).toBeLessThanOrEqual(152); // + the held-back lookahead records

    const logbook = sink.records.filter((r) => r.topic === 'shop.public.logbook');
    expect(logbook).toHaveLength(3002);
    expect(logbook.every((r) => r.key === null)).toBe(true);
    expect(new Set(logbook.map((r) => r.id)).size).toBe(3002); // ctid ids are unique
    expect(logbook[0]!.id).toMatch(/^16\/B374D848:r:public\.logbook:\(\d+,\d+\)$/);
    const counts = new Map<string, number>();
    for (const r of logbook) {
      const k = JSON.stringify(envelope(r).after);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const [expected] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM logbook WHERE at = 1 AND note = 'n1'`);
    expect(counts.get(JSON.stringify({ at: 1, note: 'n1' }))).toBe(Number(expected!.n));

    const items = sink.records.filter((r) => r.topic === 'shop.public.Order_Items');
    expect(items).toHaveLength(300);
    expect(new Set(items.map((r) => r.key!.toString())).size).toBe(300);
    const one = items.find((r) => r.key!.toString() === '{"order id":33,"Line":"L1"}')!;
    expect(envelope(one).after).toEqual({ 'order id': 33, Line: 'L1', qty: 100 });
    expect(envelope(one).source.table).toBe('Order Items');
    expect(one.id).toBe('16/B374D848:r:public.Order Items:{"order id":33,"Line":"L1"}');

    const markers = sink.records.map((r) => String(envelope(r).source.snapshot));
    expect(markers.filter((m) => m === 'first')).toHaveLength(1);
    expect(markers.filter((m) => m === 'last')).toHaveLength(1);
    expect(markers[0]).toBe('first');
    expect(markers.at(-1)).toBe('last');
    // The two non-empty tables: one has first/last overall, the other first/last_in_data_collection.
    expect(markers.filter((m) => m === 'first_in_data_collection')).toHaveLength(1);
    expect(markers.filter((m) => m === 'last_in_data_collection')).toHaveLength(1);
  });

  it('reads the state of an exported snapshot, not later changes', async () => {
    const slot = uniqueName('snap_slot');
    await db.query(`CREATE TABLE accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 1000) g;`);
    const repl = new Client({ connectionString: db.url, replication: 'database' } as ConstructorParameters<typeof Client>[0]);
    await repl.connect();
    try {
      const res = await repl.query(`CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput EXPORT_SNAPSHOT`);
      const row = res.rows[0] as { consistent_point: string; snapshot_name: string };
      await db.query(`UPDATE accounts SET balance = 0 WHERE id <= 500; DELETE FROM accounts WHERE id > 900; INSERT INTO accounts VALUES (5000, 1);`);
      const sink = new MemorySink();
      let imported = false;
      const result = await runSnapshot(options(sink, {
        snapshotName: row.snapshot_name, consistentPoint: parseLsn(row.consistent_point) as Lsn,
        tables: [{ schema: 'public', table: 'accounts' }], chunkRows: 100, onSnapshotImported: () => { imported = true; },
      }));
      expect(imported).toBe(true);
      expect(result.rows).toBe(1000);
      const afters = sink.records.map((r) => envelope(r).after as { id: number; balance: number });
      expect(afters.every((a) => a.balance === 100)).toBe(true);
      expect(afters.map((a) => a.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(envelope(sink.records[0]!).source.lsn).toBe(Number(parseLsn(row.consistent_point)));
    } finally {
      await repl.end();
      await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
    }
  });

  it('holds ACCESS SHARE locks while reading, so DDL waits', async () => {
    const sink = new MemorySink();
    const ddl = new Client({ connectionString: db.url });
    await ddl.connect();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    // A sink that stalls the first publish until the test saw the lock.
    const stalling: Sink = { ...sink, type: 'stdout', start: sink.start, ensureTopics: sink.ensureTopics, stop: sink.stop,
      publish: async (records) => { await gate; return sink.publish(records); } };
    try {
      const run = runSnapshot(options(stalling, { tables: [{ schema: 'public', table: 'Order Items' }], chunkRows: 50, maxInFlightRecords: 10 }));
      await waitFor(async () => {
        const rows = await db.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM pg_locks WHERE relation = '"Order Items"'::regclass AND mode = 'AccessShareLock' AND granted`);
        return rows[0]!.n !== '0';
      }, { message: 'ACCESS SHARE lock on "Order Items"' });
      let altered = false;
      const alter = ddl.query(`ALTER TABLE "Order Items" ADD COLUMN extra int`).then(() => { altered = true; });
      await waitFor(async () => {
        const rows = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND NOT granted`);
        return rows[0]!.n !== '0';
      }, { message: 'ALTER TABLE waiting for its lock' });
      expect(altered).toBe(false);
      release();
      expect((await run).rows).toBe(300);
      await alter;
      expect(Object.keys(envelope(sink.records[0]!).after!)).toEqual(['order id', 'Line', 'qty']);
    } finally {
      release();
      await ddl.end();
      await db.query(`ALTER TABLE "Order Items" DROP COLUMN IF EXISTS extra`);
    }
  });

  it('rejects with the sink error on a publish failure and closes its connections', async () => {
    const sink = new MemorySink();
    sink.failAfter = 5000;
    const app = uniqueName('snapfail');
    const err = await runSnapshot(options(sink, { tables: [{ schema: 'public', table: 'items' }] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe('SINK_SEND');
    await waitFor(async () => {
      const rows = await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'walcast-snapshot-%'`, [db.name]);
      return rows[0]!.n === '0';
    }, { message: `reader connections closed (${app})` });
  });

  it('rejects with ABORTED when the signal fires, and with SNAPSHOT for a missing table', async () => {
    const abort = new AbortController();
    const sink = new MemorySink();
    const run = runSnapshot(options(sink, { tables: [{ schema: 'public', table: 'items' }], signal: abort.signal }));
    await waitFor(() => sink.records.length > 0, { message: 'first records' });
    abort.abort();
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(sink.records.length).toBeLessThan(200_000);

    await expect(runSnapshot(options(new MemorySink(), { tables: [{ schema: 'public', table: 'nope' }] })))
      .rejects.toMatchObject({ code: 'SNAPSHOT' });
    await expect(runSnapshot(options(new MemorySink(), { snapshotName: "x'; DROP TABLE items; --", tables: [{ schema: 'public', table: 'items' }] })))
      .rejects.toMatchObject({ code: 'SNAPSHOT' });
  });
});

/**
 * /metrics against real PostgreSQL, scraped over HTTP as Prometheus would: snapshot rows per
 * table, events by table/op/phase, lag bytes from the server growing while the broker holds the
 * acks and falling after, milliseconds behind source, reconnects and errors by code.
 *
 * The sink is an in-memory one whose acks the test holds back (a broker that does not answer).
 */
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { createHealthServer, type HealthServer } from '../../../connector/observe/health';
import { createMetrics } from '../../../connector/observe/metrics';
import type { Sink } from '../../../connector/sink/port';
import type { SinkRecord } from '../../../connector/model/record';
import { waitFor } from '../../infra/wait';
import { dropSlotAndPublication, lsnBeforeCommit, run, Running, scenario, Scenario, waitConfirmedPast } from '../support/connector';

/** Publishes into memory; while `hold()` is in force, publish() does not resolve (no acks). */
class HeldSink implements Sink {
  readonly type = 'stdout' as const;
  readonly records: SinkRecord[] = [];
  private gate: { promise: Promise<void>; open: () => void } | null = null;
  hold(): void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => { open = resolve; });
    this.gate = { promise, open };
  }
  release(): void {
    this.gate?.open();
    this.gate = null;
  }
  async start(): Promise<void> {}
  async ensureTopics(): Promise<void> {}
  async publish(records: readonly SinkRecord[]): Promise<void> {
    if (this.gate) await this.gate.promise;
    this.records.push(...records);
  }
  async stop(): Promise<void> {}
}

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of one sample, `name{labels}` exactly as exposed (labels in declaration order). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics against PostgreSQL', () => {
  let s: Scenario;
  let r: Running | undefined;
  let http: HealthServer;
  let port: number;
  const sink = new HeldSink();
  let lastCommit = 0n;
  const metrics = createMetrics();
  const get = async (series: string): Promise<number | undefined> => sample(await scrape(port), series);

  beforeAll(async () => {
    s = await scenario({ type: 'stdout' }, { source: { lagPollMs: 100 }, snapshot: { mode: 'initial' } });
    await s.db.query('CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL)');
    await s.db.query('INSERT INTO items SELECT g, 0 FROM generate_series(1, 1234) g');
    await s.db.query('ANALYZE items');
    http = createHealthServer({ port: 0, host: '127.0.0.1', state: () => ({ status: 'UP' }), metrics, logger: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } });
    port = await http.start();
    r = run(s.config, { metrics, sinkFactory: () => sink });
    await waitFor(() => r!.phases.includes('streaming'), { timeoutMs: 60_000, message: () => `connector did not stream: ${JSON.stringify(r!.logs.slice(-5))}` });
  });

  afterAll(async () => {
    sink.release();
    await r?.handle.stop('test done');
    await http?.stop();
    if (s) {
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
      rmSync(s.config.offsets.stateDir, { recursive: true, force: true });
    }
  });

  it('shows the lifecycle phase: streaming 1, the others 0', async () => {
    expect(await get('walcast_phase{phase="streaming"}')).toBe(1);
    expect(await get('walcast_phase{phase="snapshotting"}')).toBe(0);
    expect(await get('walcast_phase{phase="connecting"}')).toBe(0);
  });

  it('counts snapshot rows per table: done equals the table, estimate from reltuples', async () => {
    const [{ n }] = await s.db.query<{ n: string }>('SELECT count(*)::text AS n FROM items');
    expect(await get('walcast_snapshot_rows_done{table="public.items"}')).toBe(Number(n));
    expect(await get('walcast_snapshot_rows_estimated{table="public.items"}')).toBe(1234);
    expect(await get('walcast_events_total{table="public.items",op="r",phase="snapshot"}')).toBe(1234);
    expect(sink.records.filter((x) => x.headers?.op === 'r')).toHaveLength(1234);
  });

  it('shows lag bytes from the server while acks are held, falling once they arrive; counts events and ms behind source', async () => {
    sink.hold();
    await s.db.query('INSERT INTO items VALUES (2001, 1), (2002, 1), (2003, 1)');
    await s.db.query('UPDATE items SET v = 2 WHERE id IN (2001, 2002)');
    lastCommit = await lsnBeforeCommit(s.db, 'DELETE FROM items WHERE id = 2003');
    const committedAt = Date.now();

    // Changes are handed to the sink (counted) but not acknowledged, so the slot cannot move.
    await waitFor(async () => (await get('walcast_events_total{table="public.items",op="d",phase="stream"}')) === 1, {
      timeoutMs: 30_000, message: 'the delete to be counted',
    });
    const text = await scrape(port);
    expect(sample(text, 'walcast_events_total{table="public.items",op="c",phase="stream"}')).toBe(3);
    expect(sample(text, 'walcast_events_total{table="public.items",op="u",phase="stream"}')).toBe(2);
    expect(sample(text, 'walcast_events_total{table="public.items",op="d",phase="stream"}')).toBe(1);
    const peak = await waitFor(async () => {
      const [{ lag }] = await s.db.query<{ lag: string }>(
        'SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::text AS lag FROM pg_replication_slots WHERE slot_name = $1', [s.config.source.slot]);
      const seen = await get('walcast_lag_bytes');
      // What /metrics shows is what the server says (polled: at most the server's value now).
      return seen !== undefined && seen > 0 && seen <= Number(lag) ? seen : undefined;
    }, { timeoutMs: 30_000, message: 'walcast_lag_bytes > 0 while acks are held' });

    // Hold the acks until the commit is measurably old, then let them through.
    await waitFor(() => Date.now() - committedAt >= 300, { timeoutMs: 5_000 });
    const releasedAt = Date.now();
    sink.release();
    const fallen = await waitFor(async () => {
      const lag = await get('walcast_lag_bytes');
      return lag !== undefined && lag < peak ? lag : undefined;
    }, { timeoutMs: 30_000, message: () => `walcast_lag_bytes to fall below ${peak}` });
    expect(fallen).toBeLessThan(peak);

    const after = await scrape(port);
    // The commit happened before committedAt and its ack after releasedAt.
    // (The histogram: the gauge may already read 0, see below.)
    expect(sample(after, 'walcast_behind_source_seconds_sum')).toBeGreaterThanOrEqual((releasedAt - committedAt - 1) / 1000);
    expect(sample(after, 'walcast_behind_source_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'walcast_acked_total')).toBeGreaterThanOrEqual(1234 + 3 + 2 + 2); // delete + tombstone
    // Caught up on a quiet database: 0 ms behind, not the last batch's age for as long as it stays quiet.
    await waitFor(async () => (await get('walcast_behind_source_ms')) === 0, { timeoutMs: 30_000, message: 'walcast_behind_source_ms back to 0 once caught up' });
  });

  it('counts a reconnect and the error that caused it when the replication connection is killed', async () => {
    expect(await get('walcast_reconnects_total')).toBe(0);
    const errorsBefore = (await scrape(port)).split('\n').filter((l) => l.startsWith('walcast_errors_total{')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    expect(errorsBefore).toBe(0);
    // Everything so far confirmed on the server, so the new session redelivers nothing.
    await waitConfirmedPast(s.db, s.config.source.slot, lastCommit, 30_000);
    const phases = r!.phases.length;
    await s.db.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active', [s.config.source.slot]);
    await waitFor(() => r!.phases.slice(phases).includes('streaming'), { timeoutMs: 60_000, message: () => `no restart: ${JSON.stringify(r!.logs.slice(-5))}` });
    const text = await scrape(port);
    expect(sample(text, 'walcast_reconnects_total')).toBe(1);
    const failed = text.split('\n').filter((l) => l.startsWith('walcast_errors_total{') && !l.endsWith(' 0'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^walcast_errors_total\{code="(REPLICATION_STREAM|PG_CONNECT)"\} 1$/);

    // Events keep being counted after the restart.
    await s.db.query('INSERT INTO items VALUES (3001, 1)');
    await waitFor(async () => (await get('walcast_events_total{table="public.items",op="c",phase="stream"}')) === 4, {
      timeoutMs: 30_000, message: 'the insert after the restart to be counted',
    });
  });
});

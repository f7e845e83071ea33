/** The metrics added for operators: behind source, snapshot per table, reconnects, errors. */
import { createMetrics } from '../../../connector/observe/metrics';

describe('metrics', () => {
  it('reports milliseconds behind source as the last value and as a histogram in seconds', async () => {
    const m = createMetrics();
    m.behindSource(40);
    m.behindSource(1500);
    m.behindSource(-20); // the server's clock ahead of ours: counted as 0, not negative
    const text = await m.render();
    expect(text).toContain('walcast_behind_source_ms 0');
    expect(text).toContain('walcast_behind_source_seconds_count 3');
    expect(text).toContain('walcast_behind_source_seconds_sum 1.54');
    expect(text).toContain('walcast_behind_source_seconds_bucket{le="0.05"} 2');
    expect(text).toContain('walcast_behind_source_seconds_bucket{le="1"} 2');
    expect(text).toContain('walcast_behind_source_seconds_bucket{le="2.5"} 3');
  });

  it('shows one lifecycle phase at 1 and every other known phase at 0 from the start', async () => {
    const m = createMetrics({ phases: ['created', 'streaming', 'backoff'] });
    expect(await m.render()).toContain('walcast_phase{phase="backoff"} 0');
    m.phase('streaming');
    m.phase('backoff');
    const text = await m.render();
    expect(text).toContain('walcast_phase{phase="backoff"} 1');
    expect(text).toContain('walcast_phase{phase="streaming"} 0');
    expect(text).toContain('walcast_phase{phase="created"} 0');
  });

  it('tracks snapshot rows done and estimated per table, and forgets an unknown estimate', async () => {
    const m = createMetrics();
    m.snapshotTableStarted('public.orders', 1000);
    m.snapshotTableStarted('public.fresh', -1);
    m.snapshotRows('public.orders', 400, 1000);
    const text = await m.render();
    expect(text).toContain('walcast_snapshot_rows_done{table="public.orders"} 400');
    expect(text).toContain('walcast_snapshot_rows_estimated{table="public.orders"} 1000');
    expect(text).toContain('walcast_snapshot_rows_done{table="public.fresh"} 0');
    expect(text).not.toContain('walcast_snapshot_rows_estimated{table="public.fresh"}');
  });

  it('counts events by phase, reconnects, and errors by code (every code present from the start)', async () => {
    const m = createMetrics();
    expect(await m.render()).toContain('walcast_errors_total{code="SINK_SEND"} 0');
    m.eventPublished('public.orders', 'r', 500, 'snapshot');
    m.eventPublished('public.orders', 'c', 2);
    m.reconnect();
    m.error('SINK_SEND');
    m.error('SINK_SEND');
    const text = await m.render();
    expect(text).toContain('walcast_events_total{table="public.orders",op="r",phase="snapshot"} 500');
    expect(text).toContain('walcast_events_total{table="public.orders",op="c",phase="stream"} 2');
    expect(text).toContain('walcast_reconnects_total 1');
    expect(text).toContain('walcast_errors_total{code="SINK_SEND"} 2');
    expect(text).toContain('walcast_errors_total{code="PG_AUTH"} 0');
  });
});

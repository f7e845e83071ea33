import { request } from 'node:http';
import { createHealthServer, type HealthState } from '../../../connector/observe/health';
import { createMetrics } from '../../../connector/observe/metrics';
import { silentLogger } from '../../../connector/observe/logger';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics', () => {
  it('counts events per table and op, acks, lsn, lag, inflight and sink errors', async () => {
    const m = createMetrics();
    m.eventPublished('public.orders', 'c');
    m.eventPublished('public.orders', 'c');
    m.eventPublished('public.orders', 'd');
    m.acked(3);
    m.confirmedLsn(0x16b374d848n);
    m.lagBytes(4096);
    m.inflightEvents(7);
    m.sinkError();
    const text = await m.render();
    expect(text).toContain('walcast_events_total{table="public.orders",op="c",phase="stream"} 2');
    expect(text).toContain('walcast_events_total{table="public.orders",op="d",phase="stream"} 1');
    expect(text).toContain('walcast_acked_total 3');
    expect(text).toContain(`walcast_confirmed_lsn ${0x16b374d848}`);
    expect(text).toContain('walcast_lag_bytes 4096');
    expect(text).toContain('walcast_inflight_events 7');
    expect(text).toContain('walcast_sink_errors_total 1');
  });

  it('keeps registries apart', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.acked(5);
    expect(await b.render()).toContain('walcast_acked_total 0');
  });
});

describe('health server', () => {
  it('serves /health from the state getter and /metrics as Prometheus text', async () => {
    let state: HealthState = { status: 'STARTING', details: { phase: 'snapshot' } };
    const metrics = createMetrics();
    metrics.acked(2);
    const server = createHealthServer({ port: 0, host: '127.0.0.1', state: () => state, metrics, logger: silentLogger });
    const port = await server.start();
    try {
      const starting = await get(port, '/health');
      expect(starting.status).toBe(503);
      expect(JSON.parse(starting.body)).toEqual({ status: 'STARTING', live: true, phase: 'snapshot' });
      state = { status: 'UP' };
      const up = await get(port, '/health?x=1');
      expect(up.status).toBe(200);
      expect(up.type).toBe('application/json');
      expect(JSON.parse(up.body)).toEqual({ status: 'UP', live: true });
      const m = await get(port, '/metrics');
      expect(m.status).toBe(200);
      expect(m.type).toMatch(/^text\/plain/);
      expect(m.body).toContain('walcast_acked_total 2');
      expect((await get(port, '/nope')).status).toBe(404);
      expect((await get(port, '/health', 'POST')).status).toBe(405);
    } finally {
      await server.stop();
    }
    await expect(get(port, '/health')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('/health/live answers 200 unless the process failed; /health/ready only when UP', async () => {
    let state: HealthState = { status: 'DOWN', details: { phase: 'standby' } };
    const server = createHealthServer({ port: 0, host: '127.0.0.1', state: () => state, logger: silentLogger });
    const port = await server.start();
    try {
      expect((await get(port, '/health/live')).status).toBe(200);
      const ready = await get(port, '/health/ready');
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toEqual({ status: 'DOWN', live: true, phase: 'standby' });
      state = { status: 'UP' };
      expect((await get(port, '/health/ready')).status).toBe(200);
      state = { status: 'DOWN', live: false };
      expect((await get(port, '/health/live')).status).toBe(503);
      expect((await get(port, '/health/ready')).status).toBe(503);
    } finally {
      await server.stop();
    }
  });

  it('reports DOWN when the getter throws, and fails start on a taken port', async () => {
    const a = createHealthServer({ port: 0, host: '127.0.0.1', state: () => { throw new Error('boom'); }, logger: silentLogger });
    const port = await a.start();
    try {
      expect((await get(port, '/health')).status).toBe(503);
      const b = createHealthServer({ port, host: '127.0.0.1', state: () => ({ status: 'UP' }), logger: silentLogger });
      await expect(b.start()).rejects.toThrow(/EADDRINUSE/);
      expect((await get(port, '/metrics')).status).toBe(404); // no metrics given
    } finally {
      await a.stop();
    }
  });
});

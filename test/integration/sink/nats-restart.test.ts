// The broker dies (SIGKILL) mid-workload and comes back on the same port and store: the sink
// fails instead of continuing on a new connection, and resending from the first unacked
// record stores every record exactly once and in order.
import { createNatsSink } from '../../../connector/sink/nats';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { uniqueName } from '../../infra/names';
import { NatsServerHandle, readSubject, startNats } from '../../infra/nats';
import { waitFor } from '../../infra/wait';
import { isConnectorError } from '../../../connector/errors';
import { natsConfig, records, streamMessageCount } from './nats-support';

describe('NATS sink across a server restart', () => {
  let server: NatsServerHandle;
  beforeAll(async () => { server = await startNats(); });
  afterAll(async () => { await server?.stop(); });

  it('a kill mid-publish fails the sink; resending from the first unacked call stores every record once, in order', async () => {
    const { url } = server.info;
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    const log = createMemoryLogger();
    const options = { logger: log, subjectsPrefix: prefix, ackTimeoutMs: 1000, retry: { initialMs: 50, maxMs: 500, maxAttempts: 40 } };
    const sink = createNatsSink(natsConfig(url, stream, { maxInFlight: 128 }), options);
    await sink.start();
    const all = records(prefix, 20_000, { tables: 5 });
    const batches: (typeof all)[] = [];
    for (let i = 0; i < all.length; i += 500) batches.push(all.slice(i, i + 500));
    const results = Promise.allSettled(batches.map((b) => sink.publish(b)));
    await waitFor(async () => (await streamMessageCount(url, stream)) >= 2000, { timeoutMs: 30_000, intervalMs: 5, message: '2000 stored' });
    await server.kill();
    const settled = await results;
    await sink.stop();
    // The pipeline's view: the contiguous prefix of acked calls is confirmed; everything after
    // the first rejected call is resent by a new sink (a new session) in the original order.
    const firstFailed = settled.findIndex((r) => r.status === 'rejected');
    expect(firstFailed).toBeGreaterThanOrEqual(0);
    const failure = (settled[firstFailed] as PromiseRejectedResult).reason;
    expect(isConnectorError(failure, 'SINK_SEND')).toBe(true);

    await server.restart();
    const again = createNatsSink(natsConfig(url, stream, { maxInFlight: 128 }), options);
    await again.start();
    try {
      for (const b of batches.slice(firstFailed)) await again.publish(b);
      const got = await readSubject(url, stream, `${prefix}.>`, { timeoutMs: 60_000 });
      const ids = got.map((m) => m.headers['Nats-Msg-Id'][0]);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(all.length);
      // Stream order equals submission order for every subject.
      const position = new Map(all.map((r, i) => [r.id, i]));
      const lastBySubject = new Map<string, number>();
      for (const m of got) {
        const i = position.get(m.headers['Nats-Msg-Id'][0])!;
        expect(i).toBeGreaterThan(lastBySubject.get(m.subject) ?? -1);
        lastBySubject.set(m.subject, i);
      }
    } finally {
      await again.stop();
    }
  });

  it('stop() while the server is down returns within the ack timeout and fails what was not acked', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    const log = createMemoryLogger();
    const sink = createNatsSink(natsConfig(server.info.url, stream), {
      logger: log, subjectsPrefix: prefix, ackTimeoutMs: 300,
      retry: { initialMs: 50, maxMs: 100, maxAttempts: 1000 },
    });
    await sink.start();
    await sink.publish(records(prefix, 10));
    await server.kill();
    try {
      await waitFor(() => log.entries.some((e) => e.msg === 'nats disconnected'), { message: 'sink saw the disconnect' });
      const pending = sink.publish(records(prefix, 10, { from: 10 })).then(() => null, (e: unknown) => e);
      const t0 = Date.now();
      await sink.stop();
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(isConnectorError(await pending, 'SINK_SEND')).toBe(true);
    } finally {
      await server.restart();
    }
  });
});

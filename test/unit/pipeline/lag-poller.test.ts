import { createServer, type Server } from 'node:net';
import { createMemoryLogger, type CapturedLog } from '../../../connector/observe/logger';
import { startLagPoller } from '../../../connector/pipeline/lag-poller';

describe('lag poller', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // Accepts and closes at once: every connection attempt fails, fast, without a real server.
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a server it cannot reach: said once at debug level (the connector reports that itself), the gauge untouched, and it stops', async () => {
    const logs: CapturedLog[] = [];
    const seen: number[] = [];
    const poller = startLagPoller({
      url: `postgres://walcast:secret@127.0.0.1:${port}/db`, slot: 's', intervalMs: 3_600_000,
      applicationName: 'test', logger: createMemoryLogger(logs), onLag: (b) => seen.push(b),
    });
    expect(await poller.pollNow()).toBeNull();
    expect(await poller.pollNow()).toBeNull();
    expect(await poller.pollNow()).toBeNull();
    await poller.stop();
    expect(seen).toEqual([]);
    expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
    const said = logs.filter((l) => l.level === 'debug' && l.msg.startsWith('cannot read replication lag from the server: '));
    expect(said).toHaveLength(1);
    expect(said[0]!.msg).toMatch(/; walcast_lag_bytes keeps its last value until it can$/);
    expect(said[0]!.fields).toMatchObject({ code: 'PG_CONNECT' });
    expect(await poller.pollNow()).toBeNull(); // after stop: no new connection
  });
});

import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { get } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { WalcastConfig } from '../../../config/types';
import { runCli, type CliDeps } from '../../../connector/cli/program';
import type { PgSession } from '../../../connector/cli/io';
import type { StartConnector } from '../../../connector/cli/run';
import { ConnectorError } from '../../../connector/errors';
import { silentLogger } from '../../../connector/observe/logger';
import { tempDir } from '../../infra/temp-dirs';

const dir = tempDir('walcast-cli-');
let n = 0;
function file(content: unknown): string {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, JSON.stringify(content));
  return p;
}
const good = { name: 'shop', source: { url: 'postgres://app:TopSecret@db.example:5432/app' }, http: { port: 0 } };

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => { text += c.toString(); });
  return { stream, text: () => text };
}

async function cli(argv: string[], deps: Partial<CliDeps> = {}, env: NodeJS.ProcessEnv = {}) {
  const out = capture();
  const err = capture();
  const signals = new EventEmitter();
  const exits: number[] = [];
  const code = await runCli(argv, { stdout: out.stream, stderr: err.stream, env }, {
    signals, exit: (c) => { exits.push(c); }, logger: silentLogger, probeBroker: async () => null, ...deps,
  });
  return { code, out: out.text(), err: err.text(), exits };
}

describe('walcast validate', () => {
  it('prints a redacted summary and exits 0', async () => {
    const r = await cli(['validate', '--config', file(good)]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^config OK/);
    expect(r.out).toContain('postgres://app:***@db.example:5432/app');
    expect(r.out).toContain('walcast_shop');
    expect(r.out + r.err).not.toContain('TopSecret');
  });

  it('prints every problem and exits 1', async () => {
    const r = await cli(['validate', '-c', file({ name: 'shop', source: { url: 'mysql://u:TopSecret@h/db', slot: 'Bad' }, typo: 1 })]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/3 problems/);
    expect(r.err).toContain('  - typo: unknown key');
    expect(r.err).toContain('  - source.url: scheme must be');
    expect(r.err).toContain('  - source.slot: must be lower-case');
    expect(r.out + r.err).not.toContain('TopSecret');
  });

  it('takes the whole config from env', async () => {
    const r = await cli(['validate'], {}, { WALCAST_NAME: 'x', WALCAST_SOURCE_URL: 'postgres://h/db', WALCAST_SINK_TYPE: 'nats' });
    expect(r.code).toBe(0);
    expect(r.out).toContain('nats 127.0.0.1:4222, stream x');
  });

  it('exits 2 when --connect cannot reach the server, without leaking the password', async () => {
    const connect = async (url: string): Promise<PgSession> => {
      throw new ConnectorError('PG_CONNECT', `cannot connect to ${url.replace('TopSecret', '***')}: ECONNREFUSED`);
    };
    const r = await cli(['validate', '--connect', '-c', file(good)], { connect });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/server check failed: PG_CONNECT: cannot connect/);
    expect(r.err).not.toContain('TopSecret');
  });
});

describe('walcast validate --connect checks the broker too', () => {
  const refused = async (): Promise<PgSession> => { throw new ConnectorError('PG_CONNECT', 'cannot connect: ECONNREFUSED'); };

  it('reports the broker down beside the server problem, and never says "server OK"', async () => {
    const r = await cli(['validate', '--connect', '-c', file(good)], {
      connect: refused,
      probeBroker: async () => ({ ok: false, detail: 'kafka 127.0.0.1:9092: Connection error: connect ECONNREFUSED' }),
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('server check failed: PG_CONNECT');
    expect(r.err).toContain('broker check failed: kafka 127.0.0.1:9092: Connection error');
    expect(r.out).not.toContain('server OK');
  });

  it('passes the loaded config to the probe and prints what it reached', async () => {
    const seen: string[] = [];
    const r = await cli(['validate', '--connect', '-c', file({ ...good, sink: { type: 'nats', nats: { servers: ['n1:4222'] } } })], {
      connect: refused,
      probeBroker: async (c) => { seen.push(c.sink.type); return { ok: true, detail: 'nats n1:4222 (JetStream, 0 streams)' }; },
    });
    expect(seen).toEqual(['nats']);
    expect(r.out).toContain('broker OK: nats n1:4222');
    expect(r.code).toBe(2); // the server still failed
  });
});

describe('usage', () => {
  it('exits 1 on an unknown command or option, 0 on --help and --version', async () => {
    expect((await cli(['frobnicate'])).code).toBe(1);
    expect((await cli(['validate', '--bogus'])).code).toBe(1);
    expect((await cli(['validate', '--config'])).code).toBe(1);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/run[\s\S]*tail[\s\S]*validate[\s\S]*status/);
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('walcast status', () => {
  const session = (slotRows: unknown[], pubRows: unknown[], tableRows: unknown[]): PgSession => ({
    query: async <R>(text: string) => {
      if (text.includes('pg_replication_slots')) return { rows: slotRows as R[] };
      if (text.includes('pg_publication_tables')) return { rows: tableRows as R[] };
      return { rows: pubRows as R[] };
    },
    end: async () => undefined,
  });
  const slot = {
    slot_name: 'walcast_shop', slot_type: 'logical', plugin: 'pgoutput', database: 'app', active: true, active_pid: 4242, confirmed_flush_lsn: '0/16B3748', restart_lsn: '0/16B3700',
    wal_status: 'reserved', safe_wal_size: null, lag_bytes: '3145728',
  };

  it('prints the slot and publication as a table', async () => {
    const r = await cli(['status', '-c', file(good)], { connect: async () => session([slot], [{ puballtables: false }], [{ schemaname: 'public', tablename: 'orders' }]) });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/slot\s+walcast_shop\n/);
    expect(r.out).toMatch(/active\s+yes \(pid 4242\)/);
    expect(r.out).toMatch(/confirmed\s+0\/16B3748/);
    expect(r.out).toMatch(/lag\s+3\.0 MiB \(3145728 bytes\)/);
    expect(r.out).toMatch(/safe_wal_size unlimited/);
    expect(r.out).toMatch(/publication\s+walcast_shop \(1 tables\)\n {2}public\.orders/);
  });

  it('prints JSON with --json, also for a missing slot and publication', async () => {
    const r = await cli(['status', '--json', '-c', file(good)], { connect: async () => session([], [], []) });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { slot: { exists: boolean; lagBytes: number | null }; publication: { exists: boolean } };
    expect(j.slot).toMatchObject({ name: 'walcast_shop', exists: false, lagBytes: null });
    expect(j.publication).toEqual({ name: 'walcast_shop', exists: false, allTables: false, tables: [] });
  });

  it('exits 2 when the query fails', async () => {
    const failing: PgSession = { query: async () => { throw Object.assign(new Error('boom'), { code: 'XX000' }); }, end: async () => undefined };
    const r = await cli(['status', '-c', file(good)], { connect: async () => failing });
    expect(r.code).toBe(2);
    expect(r.err).toContain('PG_QUERY: reading slot status failed: boom');
    // --json: an error object on stdout as well, for the scripts that parse it.
    const j = await cli(['status', '--json', '-c', file(good)], { connect: async () => failing });
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out)).toEqual({ error: { code: 'PG_QUERY', message: 'reading slot status failed: boom' } });
  });
});

describe('walcast run / tail', () => {
  interface Fake { start: StartConnector; configs: WalcastConfig[]; stops: string[]; finish(err?: unknown): void; outs: unknown[] }
  function fake(): Fake {
    let settle: (err?: unknown) => void = () => undefined;
    const f: Fake = {
      configs: [], stops: [], outs: [],
      finish: (err) => settle(err),
      start: (config, deps) => {
        f.configs.push(config);
        f.outs.push(deps.out);
        const done = new Promise<void>((resolve, reject) => { settle = (err) => (err === undefined ? resolve() : reject(err)); });
        return { done, stop: async (reason) => { f.stops.push(reason); settle(); await done; } };
      },
    };
    return f;
  }

  it('stops on the first signal and exits 0; a second signal exits 2 at once', async () => {
    const f = fake();
    const signals = new EventEmitter();
    const exits: number[] = [];
    const out = capture();
    let stopResolve: () => void = () => undefined;
    const slowStart: StartConnector = (config, deps) => {
      const h = f.start(config, deps);
      return { done: h.done, stop: async (reason) => { f.stops.push(reason); await new Promise<void>((r) => { stopResolve = r; }); f.finish(); } };
    };
    const running = runCli(['run', '-c', file(good)], { stdout: out.stream, stderr: out.stream, env: {} },
      { signals, exit: (c) => { exits.push(c); }, logger: silentLogger, startConnector: slowStart });
    await new Promise((r) => setImmediate(r));
    signals.emit('SIGTERM');
    expect(f.stops).toEqual(['signal']);
    signals.emit('SIGINT');
    expect(exits).toEqual([2]);
    stopResolve();
    expect(await running).toBe(0);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('exits 2 on a fatal ConnectorError and 1 on CONFIG_INVALID from the server check', async () => {
    for (const [err, code] of [[new ConnectorError('SLOT_INVALID', 'lost'), 2], [new ConnectorError('CONFIG_INVALID', 'cannot start'), 1]] as const) {
      const f = fake();
      const p = cli(['run', '-c', file(good)], { startConnector: f.start });
      await new Promise((r) => setImmediate(r));
      f.finish(err);
      expect((await p).code).toBe(code);
    }
  });

  it('exits 1 without starting anything when the config is invalid', async () => {
    const f = fake();
    const r = await cli(['run', '-c', file({ name: 'shop' })], { startConnector: f.start });
    expect(r.code).toBe(1);
    expect(r.err).toContain('source.url: is required');
    expect(f.configs).toHaveLength(0);
  });

  it('tail forces the stdout sink, disables HTTP and hands stdout to the pipeline', async () => {
    const f = fake();
    const p = cli(['tail', '-c', file({ ...good, sink: { type: 'kafka' }, http: { port: 8083 } })], { startConnector: f.start });
    await new Promise((r) => setImmediate(r));
    f.finish();
    expect((await p).code).toBe(0);
    expect(f.configs[0]?.sink.type).toBe('stdout');
    expect(f.configs[0]?.http.port).toBe(0);
    expect(f.outs[0]).toBeInstanceOf(PassThrough);
  });

  it('serves /health from the pipeline phase while running', async () => {
    const port = await freePort();
    let phase: ((p: string) => void) | undefined;
    const f = fake();
    const start: StartConnector = (config, deps) => { phase = deps.onPhase; return f.start(config, deps); };
    const p = cli(['run', '-c', file({ ...good, http: { port } })], { startConnector: start });
    await waitFor(() => phase !== undefined);
    expect(await httpStatus(port)).toBe(503);
    phase?.('streaming');
    expect(await httpStatus(port)).toBe(200);
    f.finish();
    expect((await p).code).toBe(0);
  });

  it('exits 2 when the HTTP port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const f = fake();
      const r = await cli(['run', '-c', file({ ...good, http: { port } })], { startConnector: f.start });
      expect(r.code).toBe(2);
      expect(f.configs).toHaveLength(0);
    } finally {
      blocker.close();
    }
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitFor(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!pred()) throw new Error('timed out');
}

function httpStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
}

describe('walcast demo', () => {
  it('is not a command: says the demo is `npm run demo`, exit 1, and its --help says the same', async () => {
    const r = await cli(['demo', '--seconds', '5']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('the demo is not a walcast command: run `npm run demo` in a walcast checkout');
    const help = await cli(['demo', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('the demo is `npm run demo` in a walcast checkout');
    expect((await cli(['--help'])).out).not.toMatch(/^\s+demo/m); // hidden from the command list
  });
});

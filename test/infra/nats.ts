/**
 * A real `nats-server -js` for tests: random port on 127.0.0.1, temp store dir. `kill()` +
 * `restart()` keep the port and the store dir, so "broker down mid-workload" tests see the same
 * stream come back. Usable standalone (a test that kills its server starts its own) and from the
 * integration globalSetup (which serialises `info`).
 */
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type MsgHdrs, type NodeConnectionOptions } from '@nats-io/transport-node';

export const NATS_SERVER_BIN = process.env.WALCAST_NATS_SERVER ?? '/usr/sbin/nats-server';

export interface NatsInfo { url: string; port: number; storeDir: string }

export interface NatsServerHandle {
  info: NatsInfo;
  /** Graceful stop (SIGTERM); removes the store dir if startNats created it. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown, like a crash. The store dir stays. */
  kill(): Promise<void>;
  /** Start again on the same port and store dir (kills first if still running). */
  restart(): Promise<void>;
  /** The server process while it runs (SIGSTOP freezes it: a server that stops answering). */
  readonly pid: number | undefined;
}

export interface StartNatsOptions { port?: number; storeDir?: string; args?: string[]; readyTimeoutMs?: number }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startNats(opts: StartNatsOptions = {}): Promise<NatsServerHandle> {
  const ownStore = opts.storeDir === undefined;
  const storeDir = opts.storeDir ?? await mkdtemp(join(tmpdir(), 'walcast-nats-'));
  const port = opts.port ?? await freePort();
  const readyTimeoutMs = opts.readyTimeoutMs ?? 15000;
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, ...(opts.args ?? [])];
  let proc: ChildProcess | null = null;
  let stderrTail = '';

  const spawnServer = async (): Promise<void> => {
    stderrTail = '';
    const p = spawn(NATS_SERVER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    // nats-server logs to stderr; keep the tail for the error message when it never gets ready.
    p.stderr?.on('data', (c: Buffer) => { stderrTail = (stderrTail + c.toString()).slice(-4000); });
    proc = p;
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (p.exitCode !== null || p.signalCode !== null) {
        throw new Error(`nats-server exited (${p.exitCode ?? p.signalCode}) before ready: ${stderrTail}`);
      }
      if (await jetStreamListening(port)) return;
      if (Date.now() > deadline) {
        p.kill('SIGKILL');
        throw new Error(`nats-server on port ${port} not ready after ${readyTimeoutMs} ms: ${stderrTail}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const p = proc;
    proc = null;
    if (p === null || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill(signal); });
  };

  await spawnServer();
  return {
    info: { url: `nats://127.0.0.1:${port}`, port, storeDir },
    async stop() {
      await terminate('SIGTERM');
      if (ownStore) await rm(storeDir, { recursive: true, force: true });
    },
    kill: () => terminate('SIGKILL'),
    get pid() { return (proc as ChildProcess | null)?.pid; },
    async restart() {
      await terminate('SIGKILL');
      await spawnServer();
    },
  };
}

/** True once the server accepts a TCP connection and its INFO line says JetStream is on. */
function jetStreamListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(1000, () => done(false));
    sock.once('error', () => done(false));
    sock.on('data', (c: Buffer) => {
      buf += c.toString();
      // The server greets with `INFO {json}\r\n` before anything else.
      const end = buf.indexOf('\r\n');
      if (end >= 0) done(/"jetstream":true/.test(buf.slice(0, end)));
    });
  });
}

export interface StoredMessage {
  subject: string;
  seq: number;
  data: Buffer;
  headers: Record<string, string[]>;
}

/**
 * Every message stored in `stream` under `subjectFilter` (wildcards allowed), in stream order.
 * Counts first (stream info with subjects_filter), then reads that many with an ordered consumer.
 */
export async function readSubject(
  url: string, stream: string, subjectFilter: string,
  opts: { timeoutMs?: number; connect?: Omit<NodeConnectionOptions, 'servers'> } = {},
): Promise<StoredMessage[]> {
  const timeoutMs = opts.timeoutMs ?? 30000;
  const nc = await connect({ servers: url, ...opts.connect });
  try {
    const jsm = await jetstreamManager(nc);
    const si = await jsm.streams.info(stream, { subjects_filter: subjectFilter });
    const counts = si.state.subjects ?? {};
    const expected = Object.values(counts).reduce((a, b) => a + b, 0);
    const out: StoredMessage[] = [];
    if (expected === 0) return out;
    const consumer = await jetstream(nc).consumers.get(stream, { filter_subjects: subjectFilter });
    const iter = await consumer.consume({ max_messages: 1000 });
    const timer = setTimeout(() => iter.stop(), timeoutMs);
    try {
      for await (const m of iter) {
        out.push({ subject: m.subject, seq: m.seq, data: Buffer.from(m.data), headers: headersToRecord(m.headers) });
        if (out.length >= expected) break;
      }
    } finally {
      clearTimeout(timer);
      iter.stop();
    }
    if (out.length < expected) throw new Error(`readSubject: got ${out.length} of ${expected} messages in ${timeoutMs} ms`);
    return out;
  } finally {
    await nc.close();
  }
}

function headersToRecord(h: MsgHdrs | undefined): Record<string, string[]> {
  const r: Record<string, string[]> = {};
  if (h === undefined) return r;
  for (const k of h.keys()) r[k] = h.values(k);
  return r;
}

/**
 * The HTTP side door (JSON from an injected state getter; probes need no parsing):
 * - GET /health/live: 200 while the process works (also as a standby or while the broker is
 *   down: restarting the process cures neither), 503 once the connector failed for good;
 * - GET /health/ready (and /health): 200 when UP (streaming or snapshotting with the broker
 *   answering), 503 otherwise (standby, backoff, starting);
 * - GET /metrics: Prometheus text.
 * Nothing else is served.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger';

export type HealthStatus = 'UP' | 'STARTING' | 'DOWN';

export interface HealthState {
  readonly status: HealthStatus;
  /** False once the process cannot do its work any more (failed); default true. */
  readonly live?: boolean;
  /** Extra fields for the body, e.g. phase, slot, lastConfirmedLsn. */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface HealthServerOptions {
  /** 0 picks a free port (tests); the config's 0 ("disabled") is handled by the caller. */
  readonly port: number;
  readonly host?: string;
  readonly state: () => HealthState;
  readonly metrics?: { render(): Promise<string>; readonly contentType: string };
  readonly logger: Logger;
}

export interface HealthServer {
  /** Resolves with the bound port once listening; rejects on EADDRINUSE and the like. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

export function createHealthServer(options: HealthServerOptions): HealthServer {
  let server: Server | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
    if (path === '/health' || path === '/health/ready' || path === '/health/live') {
      let state: HealthState;
      try {
        state = options.state();
      } catch (e) {
        options.logger.warn({ err: e }, 'health state getter failed');
        state = { status: 'DOWN' };
      }
      const live = state.live ?? true;
      const ok = path === '/health/live' ? live : state.status === 'UP';
      return send(res, ok ? 200 : 503, 'application/json', JSON.stringify({ status: state.status, live, ...state.details }) + '\n');
    }
    if (path === '/metrics' && options.metrics) {
      return send(res, 200, options.metrics.contentType, await options.metrics.render());
    }
    return send(res, 404, 'text/plain', 'not found\n');
  };

  return {
    start: () => new Promise<number>((resolve, reject) => {
      if (server) { reject(new Error('health server already started')); return; }
      const s = createServer((req, res) => {
        handle(req, res).catch((e: unknown) => {
          options.logger.warn({ err: e }, 'health request failed');
          if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
          else res.destroy();
        });
      });
      s.once('error', reject);
      s.listen(options.port, options.host, () => {
        s.off('error', reject);
        server = s;
        const port = (s.address() as AddressInfo).port;
        options.logger.info({ port }, 'health and metrics server listening');
        resolve(port);
      });
    }),
    stop: () => new Promise<void>((resolve) => {
      const s = server;
      server = null;
      if (!s) { resolve(); return; }
      s.close(() => resolve());
      s.closeAllConnections();
    }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

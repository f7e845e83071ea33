/**
 * The connection URL node-postgres gets, with libpq's meaning of `sslmode` (what psql, PgJDBC
 * and so Debezium, and every cloud provider's connection string mean by it).
 *
 * node-postgres 8 reads `prefer`, `require` and `verify-ca` as `verify-full` unless the URL says
 * `uselibpqcompat=true`, and prints a security warning when it does. A `?sslmode=require` URL
 * from a managed database then failed on the provider's CA, which Node does not trust, where
 * every other client connects. libpq's modes (https://www.postgresql.org/docs/current/libpq-ssl.html):
 *   disable      no TLS
 *   allow        libpq tries without TLS first; here TLS when the server offers it (see below)
 *   prefer       TLS when the server offers it, else plain; the server's certificate is not checked
 *   require      TLS; the certificate is not checked, unless sslrootcert is given (then verify-ca)
 *   verify-ca    TLS; the certificate must be signed by sslrootcert's CA
 *   verify-full  TLS; signed by a trusted CA (sslrootcert, else Node's CA store) and naming the host
 * `allow` and `prefer` cannot fall back inside node-postgres: the server is asked first with
 * PostgreSQL's SSLRequest (sslProbe) and the URL says `require` or `disable` accordingly. Unlike
 * libpq, neither then retries the other way: a server that offers TLS but admits this user only
 * without it (`hostnossl` in pg_hba.conf) needs `sslmode=disable`.
 * `sslrootcert=system` (libpq 16) is Node's CA store, which verify-full uses by default.
 * Over a Unix socket libpq ignores sslmode, and so does this. PGSSLMODE applies when the URL
 * has no sslmode, as in libpq. A URL that already says `uselibpqcompat` is passed on as it is.
 */
import net from 'node:net';
import tls from 'node:tls';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** PostgreSQL's SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const PROBE_TIMEOUT_MS = 10_000;

/**
 * The server's host and port as node-postgres would connect (the `host` and `port` parameters
 * win, then the URL's, then PGHOST/PGPORT), or null for a Unix socket.
 */
export function tcpTarget(url: URL, env: NodeJS.ProcessEnv = process.env): { host: string; port: number } | null {
  const host = url.searchParams.get('host') ?? (decodeURIComponent(url.hostname) || env.PGHOST || '');
  if (host === '' || host.startsWith('/')) return null;
  const port = Number(url.searchParams.get('port') ?? (url.port || env.PGPORT || 5432));
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * Whether the server at host:port accepts TLS (it answers SSLRequest with 'S'). After an 'S' the
 * handshake is completed before closing, so the server does not log a failed TLS connection
 * (PostgreSQL logs nothing for a connection closed before its startup packet). Rejects when the
 * server cannot be reached, closes without answering, or answers something else (an error
 * message): the real connection then fails or succeeds on its own.
 */
export function sslProbe(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    const socket = net.connect({ host, port });
    const done = (err: Error | null, ssl?: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(ssl!);
    };
    const timer = setTimeout(() => done(new Error(`no answer to SSLRequest from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (e) => done(e));
    // A proxy with nothing behind it accepts and closes: no data, no error.
    socket.once('close', () => done(new Error(`${host}:${port} closed the connection without answering SSLRequest`)));
    socket.once('connect', () => socket.write(SSL_REQUEST));
    socket.once('data', (d: Buffer) => {
      if (d[0] === 0x4e) { // 'N': no TLS
        done(null, false);
        return;
      }
      if (d[0] !== 0x53) { // not 'S': an error message (e.g. no backend could be started)
        done(new Error(`${host}:${port} answered SSLRequest with ${JSON.stringify(String.fromCharCode(d[0]!))}`));
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('close');
      // The probe learns nothing from the certificate; the real connection checks it per sslmode.
      const secure = tls.connect({ socket, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false });
      secure.on('error', () => undefined);
      // end(), not destroy(): the client's last handshake message must reach the server, or it
      // logs "could not accept SSL connection: EOF detected".
      secure.once('secureConnect', () => secure.end());
      secure.once('close', () => resolve(true));
      setTimeout(() => secure.destroy(), timeoutMs).unref();
    });
  });
}

/**
 * `url` as node-postgres should get it (see the file comment). `probe` asks whether the server
 * takes TLS (injected by tests).
 */
export async function pgUrl(url: string, env: NodeJS.ProcessEnv = process.env, probe = sslProbe): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url; // config validation reports it; node-postgres gets what the user wrote
  }
  const params = parsed.searchParams;
  if (params.has('uselibpqcompat')) return url;
  const mode = params.get('sslmode') ?? env.PGSSLMODE;
  if (mode === undefined || mode === '') return url;
  const target = tcpTarget(parsed, env);
  let effective = mode;
  if (target === null) effective = 'disable';
  else if (mode === 'allow' || mode === 'prefer') effective = (await probe(target.host, target.port).catch(() => true)) ? 'require' : 'disable';
  params.set('sslmode', effective);
  if (params.get('sslrootcert') === 'system') params.delete('sslrootcert');
  params.set('uselibpqcompat', 'true');
  return parsed.toString();
}

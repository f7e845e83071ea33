/**
 * The connection URL node-postgres gets, with libpq's meaning of `sslmode` (what psql, PgJDBC
 * and so Debezium, and every cloud provider's connection string mean by it).
 *
 * node-postgres 8 reads `prefer`, `require` and `verify-ca` as `verify-full` unless the URL says
 * `uselibpqcompat=true`, and prints a security warning when it does. A `?sslmode=require` URL
 * from a managed database then failed on the provider's CA, which Node does not trust, where
 * every other client connects. libpq's modes (https://www.postgresql.org/docs/current/libpq-ssl.html):
 *   disable      no TLS
 *   allow        plain first; TLS when pg_hba.conf refuses this user without it and the server offers it
 *   prefer       TLS when the server offers it and pg_hba.conf admits this user over it, else plain;
 *                the server's certificate is not checked
 *   require      TLS; the certificate is not checked, unless sslrootcert is given (then verify-ca)
 *   verify-ca    TLS; the certificate must be signed by sslrootcert's CA
 *   verify-full  TLS; signed by a trusted CA (sslrootcert, else Node's CA store) and naming the host
 * `allow` and `prefer` cannot fall back inside node-postgres: the server is asked first
 * (startupProbe) and the URL says `require` or `disable` accordingly. The probe sends
 * PostgreSQL's SSLRequest when it asks about TLS (an 'N' answer: the server offers none), then a
 * StartupMessage; the server's first answer is an authentication request (admitted) or the error
 * 28000 "no pg_hba.conf entry" / "rejects connection" (refused). libpq learns the same by
 * connecting and, refused, connecting again the other way (`hostnossl` or `hostssl` lines in
 * pg_hba.conf).
 * `sslrootcert=system` (libpq 16) is Node's CA store, which verify-full uses by default.
 * Over a Unix socket libpq ignores sslmode, and so does this. PGSSLMODE applies when the URL
 * has no sslmode, as in libpq. A URL that already says `uselibpqcompat` is passed on as it is.
 */
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { MessageFramer } from '../protocol/framer';
import { BackendCode, FrontendCode, parseErrorResponse } from '../protocol/replication';
import { AUTHENTICATION_REQUEST, encodeStartupMessage, SSL_ACCEPTED, SSL_DECLINED, SSL_REQUEST } from '../protocol/startup';
import { BufferWriter } from '../protocol/writer';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

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

/** Who a connection logs in as, for pg_hba.conf: the user and database node-postgres will send. */
export interface StartupIdentity { readonly user: string; readonly database: string }

/** The URL's user (else PGUSER, else the OS user) and database (else PGDATABASE, else the user), as node-postgres picks them. */
export function startupIdentity(url: URL, env: NodeJS.ProcessEnv = process.env): StartupIdentity {
  const user = decodeURIComponent(url.username) || env.PGUSER || os.userInfo().username;
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || env.PGDATABASE || user;
  return { user, database };
}

/** pg_hba.conf's answer; `no-tls`: asked over TLS, the server declined SSLRequest. */
export type Admission = 'admitted' | 'refused' | 'no-tls';

const startupParams = (id: StartupIdentity): Record<string, string> => ({ user: id.user, database: id.database });

/** Terminate: ends a session that authentication let in (trust), so the server logs nothing. */
const TERMINATE = new BufferWriter(0).frame(FrontendCode.Terminate);
/** The SQLSTATE of pg_hba.conf's refusals ("no pg_hba.conf entry", "pg_hba.conf rejects connection"). */
const HBA_REFUSED = '28000';

/**
 * Whether pg_hba.conf admits `identity` at host:port over TLS (`useTls`) or without: the first
 * answer to a StartupMessage. An authentication request is `admitted`; the probe then leaves as
 * libpq does when it has no password to give (PostgreSQL logs nothing for that), after a
 * Terminate when it was let in without one. The error 28000 is `refused` (the server logs the
 * refusal, as it does for libpq's first try). Over TLS, an 'N' to SSLRequest is `no-tls`; the
 * certificate is not checked (the real connection checks it per sslmode). Any other answer, no
 * answer within `timeoutMs`, or a close without one (a proxy with nothing behind it) rejects:
 * the real connection then meets it and says what it is.
 */
export function startupProbe(host: string, port: number, useTls: boolean, identity: StartupIdentity, timeoutMs = PROBE_TIMEOUT_MS): Promise<Admission> {
  return new Promise<Admission>((resolve, reject) => {
    let settled = false;
    let stream: net.Socket | tls.TLSSocket = net.connect({ host, port });
    const raw = stream;
    const finish = (err: Error | null, answer?: Admission, farewell?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        raw.destroy();
        stream.destroy();
        reject(err);
        return;
      }
      // end(), not destroy(): over TLS the close_notify must reach the server, or it logs an
      // unexpected EOF; a plain socket ends as a client that went away.
      if (farewell) stream.write(farewell);
      stream.end();
      setTimeout(() => { stream.destroy(); raw.destroy(); }, timeoutMs).unref();
      resolve(answer!);
    };
    const timer = setTimeout(() => finish(new Error(`no answer to a StartupMessage from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    raw.on('error', (e) => finish(e));
    raw.once('close', () => finish(new Error(`${host}:${port} closed the connection before answering a StartupMessage`)));
    const framer = new MessageFramer();
    let first = true;
    const onAnswer = (d: Buffer): void => {
      // The first byte says what kind of answer it is; anything but these two is not a server
      // that speaks the protocol here (its "length" would be noise to the framer).
      if (first && d.length > 0) {
        first = false;
        if (d[0] !== AUTHENTICATION_REQUEST && d[0] !== BackendCode.ErrorResponse) {
          finish(new Error(`${host}:${port} answered a StartupMessage with ${JSON.stringify(String.fromCharCode(d[0]!))}`));
          return;
        }
      }
      try {
        framer.push(d, (code, payload) => {
          if (code === AUTHENTICATION_REQUEST) {
            finish(null, 'admitted', payload.readInt32BE(0) === 0 ? TERMINATE : undefined);
            return;
          }
          const error = code === BackendCode.ErrorResponse ? parseErrorResponse(payload).code : '';
          if (error === HBA_REFUSED) finish(null, 'refused');
          else finish(new Error(`${host}:${port} answered a StartupMessage with the error ${error || `message ${JSON.stringify(String.fromCharCode(code))}`}`));
        });
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
      }
    };
    raw.once('connect', () => {
      if (!useTls) {
        raw.on('data', onAnswer);
        raw.write(encodeStartupMessage(startupParams(identity)));
        return;
      }
      raw.write(SSL_REQUEST);
      raw.once('data', (d: Buffer) => {
        if (d[0] === SSL_DECLINED) {
          finish(null, 'no-tls');
          return;
        }
        if (d[0] !== SSL_ACCEPTED) { // an error message (e.g. no backend could be started)
          finish(new Error(`${host}:${port} answered SSLRequest with ${JSON.stringify(String.fromCharCode(d[0]!))}`));
          return;
        }
        const secure = tls.connect({ socket: raw, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false });
        stream = secure;
        secure.on('error', (e) => finish(e));
        secure.on('data', onAnswer);
        secure.once('secureConnect', () => secure.write(encodeStartupMessage(startupParams(identity))));
      });
    });
  });
}

/** What pgUrl asks the server: startupProbe (tests inject their own). */
export type ServerProbe = (host: string, port: number, useTls: boolean, identity: StartupIdentity) => Promise<Admission>;

/**
 * libpq's choice for `allow` and `prefer`, made before connecting. A probe that fails (the
 * server unreachable, an unexpected answer) decides nothing: the choice is then the mode's first
 * try, and the real connection meets the same failure and reports it.
 */
async function tryOrder(mode: 'allow' | 'prefer', host: string, port: number, identity: StartupIdentity, probe: ServerProbe): Promise<'require' | 'disable'> {
  const admits = (useTls: boolean): Promise<Admission> => probe(host, port, useTls, identity).catch((): Admission => 'admitted');
  // allow: plain first; TLS only when pg_hba.conf refuses this user without it (and admits it over TLS).
  if (mode === 'allow') return (await admits(false)) === 'refused' && (await admits(true)) === 'admitted' ? 'require' : 'disable';
  // prefer: TLS, unless the server offers none or pg_hba.conf admits this user only without it.
  return (await admits(true)) === 'admitted' ? 'require' : 'disable';
}

/**
 * `url` as node-postgres should get it (see the file comment). `probe` asks the server whether
 * pg_hba.conf admits the user over TLS or without (injected by tests).
 */
export async function pgUrl(url: string, env: NodeJS.ProcessEnv = process.env, probe: ServerProbe = startupProbe): Promise<string> {
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
  else if (mode === 'allow' || mode === 'prefer') effective = await tryOrder(mode, target.host, target.port, startupIdentity(parsed, env), probe);
  params.set('sslmode', effective);
  if (params.get('sslrootcert') === 'system') params.delete('sslrootcert');
  params.set('uselibpqcompat', 'true');
  return parsed.toString();
}

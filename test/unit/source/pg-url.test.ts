import { createServer, type Server } from 'node:net';
import { waitFor } from '../../infra/wait';
import { pgUrl, startupIdentity, startupProbe, tcpTarget, type Admission, type ServerProbe, type StartupIdentity } from '../../../connector/source/pg-url';

/**
 * A probe that records what it was asked and answers a StartupMessage without TLS with `plain`,
 * and with TLS with `tls` (`no-tls`: the server declined SSLRequest).
 */
function fakeProbe(answers: { plain?: Admission | Error; tls?: Admission | Error } = {}) {
  const asked: string[] = [];
  const probe: ServerProbe = (host, port, useTls, id: StartupIdentity) => {
    asked.push(`${useTls ? 'tls' : 'plain'} ${id.user}@${id.database} ${host}:${port}`);
    const a = (useTls ? answers.tls : answers.plain) ?? 'admitted';
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
  return { asked, probe };
}
const offersTls = (offered: boolean) => fakeProbe({ tls: offered ? 'admitted' : 'no-tls' });

const params = (url: string): Record<string, string> => Object.fromEntries(new URL(url).searchParams);

describe('pgUrl: libpq sslmode for node-postgres', () => {
  it('leaves a URL without sslmode (and without PGSSLMODE) as it is', async () => {
    const url = 'postgres://u:p%40ss@db.example:5433/app?application_name=x';
    expect(await pgUrl(url, {})).toBe(url);
  });

  it.each(['disable', 'require', 'verify-ca', 'verify-full'])('passes sslmode=%s on with libpq semantics asked for', async (mode) => {
    const { asked, probe } = offersTls(true);
    const out = await pgUrl(`postgres://u:p%40ss@db.example/app?sslmode=${mode}&sslrootcert=/ca.pem`, {}, probe);
    expect(params(out)).toEqual({ sslmode: mode, sslrootcert: '/ca.pem', uselibpqcompat: 'true' });
    expect(new URL(out).password).toBe('p%40ss');
    expect(asked).toEqual([]); // only allow and prefer ask the server
  });

  it.each([[true, 'require'], [false, 'disable']])('sslmode=prefer asks the server first: TLS offered %s -> %s', async (offered, effective) => {
    const { asked, probe } = offersTls(offered as boolean);
    const out = await pgUrl('postgresql://u@db.example:6543/app?sslmode=prefer', {}, probe);
    expect(asked).toEqual(['tls u@app db.example:6543']);
    expect(params(out)).toEqual({ sslmode: effective, uselibpqcompat: 'true' });
  });

  it('prefer: a server that offers TLS but admits this user only without it (hostnossl) gets plain, as libpq retries', async () => {
    const { asked, probe } = fakeProbe({ tls: 'refused' });
    expect(params(await pgUrl('postgresql://u@db.example/app?sslmode=prefer', {}, probe)).sslmode).toBe('disable');
    expect(asked).toEqual(['tls u@app db.example:5432']);
    // A probe that cannot tell (an unexpected answer) decides nothing: TLS, prefer's first try.
    expect(params(await pgUrl('postgresql://u@db.example/app?sslmode=prefer', {}, fakeProbe({ tls: new Error('53300') }).probe)).sslmode).toBe('require');
  });

  it('allow: plain first, as libpq; TLS only when pg_hba.conf refuses plain and admits TLS', async () => {
    const admitted = fakeProbe();
    expect(params(await pgUrl('postgresql://u@db.example/app?sslmode=allow', {}, admitted.probe)).sslmode).toBe('disable');
    expect(admitted.asked).toEqual(['plain u@app db.example:5432']);
    const hostsslOnly = fakeProbe({ plain: 'refused' });
    expect(params(await pgUrl('postgresql://u@db.example/app?sslmode=allow', {}, hostsslOnly.probe)).sslmode).toBe('require');
    expect(hostsslOnly.asked).toEqual(['plain u@app db.example:5432', 'tls u@app db.example:5432']);
    for (const tls of ['no-tls', 'refused'] as const) {
      expect(params(await pgUrl('postgresql://u@db.example/app?sslmode=allow', {}, fakeProbe({ plain: 'refused', tls }).probe)).sslmode).toBe('disable');
    }
  });

  it('startupIdentity: the URL user and database, else PGUSER and PGDATABASE, the database defaulting to the user', () => {
    expect(startupIdentity(new URL('postgres://a%40b@h/d%20b'), {})).toEqual({ user: 'a@b', database: 'd b' });
    expect(startupIdentity(new URL('postgres://h'), { PGUSER: 'pu', PGDATABASE: 'pd' })).toEqual({ user: 'pu', database: 'pd' });
    expect(startupIdentity(new URL('postgres://h/'), { PGUSER: 'pu' })).toEqual({ user: 'pu', database: 'pu' });
  });

  it('prefer against an unreachable server leaves the failing to the real connection (TLS asked)', async () => {
    const { probe } = fakeProbe({ tls: new Error('ECONNREFUSED') });
    expect(params(await pgUrl('postgres://u@db.example/app?sslmode=prefer', {}, probe)).sslmode).toBe('require');
  });

  it('the host parameter wins over the URL host; a Unix socket takes no TLS, as in libpq', async () => {
    const { asked, probe } = offersTls(true);
    expect(params(await pgUrl('postgres://u@ignored/app?host=db2.example&port=7000&sslmode=prefer', {}, probe)).sslmode).toBe('require');
    expect(asked).toEqual(['tls u@app db2.example:7000']);
    const socket = await pgUrl('postgres://u@localhost/app?host=/var/run/postgresql&sslmode=require', {}, probe);
    expect(params(socket)).toEqual({ host: '/var/run/postgresql', sslmode: 'disable', uselibpqcompat: 'true' });
  });

  it('asks the port node-postgres will use: the URL, else PGPORT, else 5432', async () => {
    const { asked, probe } = offersTls(false);
    await pgUrl('postgres://u@db.example/app?sslmode=prefer', { PGPORT: '6432' }, probe);
    await pgUrl('postgres://u@db.example:7000/app?sslmode=prefer', { PGPORT: '6432' }, probe);
    await pgUrl('postgres://u@db.example/app?sslmode=prefer', {}, probe);
    expect(asked.map((a) => a.split(' ')[2])).toEqual(['db.example:6432', 'db.example:7000', 'db.example:5432']);
  });

  it('PGSSLMODE applies when the URL has no sslmode', async () => {
    expect(params(await pgUrl('postgres://u@db.example/app', { PGSSLMODE: 'require' }))).toEqual({ sslmode: 'require', uselibpqcompat: 'true' });
    expect(params(await pgUrl('postgres://u@db.example/app?sslmode=disable', { PGSSLMODE: 'require' })).sslmode).toBe('disable');
  });

  it('sslrootcert=system is the system CA store: dropped, which verify-full then uses', async () => {
    expect(params(await pgUrl('postgres://u@db.example/app?sslmode=verify-full&sslrootcert=system', {}))).toEqual({ sslmode: 'verify-full', uselibpqcompat: 'true' });
  });

  it('a URL that names uselibpqcompat itself is passed on unchanged', async () => {
    const url = 'postgres://u@db.example/app?sslmode=require&uselibpqcompat=false';
    expect(await pgUrl(url, {})).toBe(url);
  });

  it('tcpTarget: IPv6 brackets dropped, default port 5432', () => {
    expect(tcpTarget(new URL('postgres://u@[::1]/app'))).toEqual({ host: '::1', port: 5432 });
  });
});

describe('startupProbe', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** A server that answers a StartupMessage with `answer` and records what it got. */
  const listen = async (answer: Buffer, got: Buffer[] = []): Promise<number> => {
    server = createServer((s) => {
      s.once('data', (d) => { got.push(d); s.write(answer); s.on('data', (more) => got.push(more)); });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  };
  const message = (type: string, body: Buffer): Buffer => {
    const head = Buffer.alloc(5);
    head.write(type, 0);
    head.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([head, body]);
  };
  const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
  const id = { user: 'walcast', database: 'shop' };

  it('sends the user and database, and reads an authentication request as admitted', async () => {
    const got: Buffer[] = [];
    const port = await listen(message('R', int32(10)), got); // AuthenticationSASL
    expect(await startupProbe('127.0.0.1', port, false, id)).toBe('admitted');
    expect(got[0]!.readInt32BE(4)).toBe(196608);
    expect(got[0]!.subarray(8).toString()).toBe('user\0walcast\0database\0shop\0\0');
  });

  it('ends a session let in without a password with Terminate', async () => {
    const got: Buffer[] = [];
    const port = await listen(message('R', int32(0)), got); // AuthenticationOk
    expect(await startupProbe('127.0.0.1', port, false, id)).toBe('admitted');
    await waitFor(() => got.length > 1, { timeoutMs: 5_000, message: 'a message after the StartupMessage' });
    expect(Buffer.concat(got.slice(1))).toEqual(Buffer.from([0x58, 0, 0, 0, 4]));
  });

  it("over TLS, reads the server's 'N' to SSLRequest as no-tls; an error answer rejects", async () => {
    const got: Buffer[] = [];
    expect(await startupProbe('127.0.0.1', await listen(Buffer.from('N'), got), true, id)).toBe('no-tls');
    expect(got[0]).toEqual(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])); // SSLRequest
    server!.close();
    await expect(startupProbe('127.0.0.1', await listen(Buffer.from('E')), true, id, 5_000)).rejects.toThrow(/answered SSLRequest with "E"/);
  });

  it('rejects when the server closes without answering (a proxy with nothing behind it), or nothing listens', async () => {
    server = createServer((s) => s.once('data', () => s.end()));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await expect(startupProbe('127.0.0.1', port, false, id, 5_000)).rejects.toThrow(/closed the connection before answering/);
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    await expect(startupProbe('127.0.0.1', port, false, id)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("reads pg_hba.conf's 28000 as refused; another error, or another answer, rejects", async () => {
    const fields = (code: string): Buffer => Buffer.from(`SFATAL\0C${code}\0Mno pg_hba.conf entry for host\0\0`);
    expect(await startupProbe('127.0.0.1', await listen(message('E', fields('28000'))), false, id)).toBe('refused');
    server!.close();
    await expect(startupProbe('127.0.0.1', await listen(message('E', fields('53300'))), false, id)).rejects.toThrow(/53300/);
    server!.close();
    await expect(startupProbe('127.0.0.1', await listen(Buffer.from('Zjunk')), false, id)).rejects.toThrow(/answered a StartupMessage with "Z"/);
  });
});

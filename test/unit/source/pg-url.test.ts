import { createServer, type Server } from 'node:net';
import { pgUrl, sslProbe, tcpTarget } from '../../../connector/source/pg-url';

/** A probe that records what it was asked and answers `ssl`. */
function fakeProbe(ssl: boolean | Error) {
  const asked: string[] = [];
  const probe = async (host: string, port: number): Promise<boolean> => {
    asked.push(`${host}:${port}`);
    if (ssl instanceof Error) throw ssl;
    return ssl;
  };
  return { asked, probe };
}

const params = (url: string): Record<string, string> => Object.fromEntries(new URL(url).searchParams);

describe('pgUrl: libpq sslmode for node-postgres', () => {
  it('leaves a URL without sslmode (and without PGSSLMODE) as it is', async () => {
    const url = 'postgres://u:p%40ss@db.example:5433/app?application_name=x';
    expect(await pgUrl(url, {})).toBe(url);
  });

  it.each(['disable', 'require', 'verify-ca', 'verify-full'])('passes sslmode=%s on with libpq semantics asked for', async (mode) => {
    const { asked, probe } = fakeProbe(true);
    const out = await pgUrl(`postgres://u:p%40ss@db.example/app?sslmode=${mode}&sslrootcert=/ca.pem`, {}, probe);
    expect(params(out)).toEqual({ sslmode: mode, sslrootcert: '/ca.pem', uselibpqcompat: 'true' });
    expect(new URL(out).password).toBe('p%40ss');
    expect(asked).toEqual([]); // only allow and prefer ask the server
  });

  it.each([['prefer', true, 'require'], ['prefer', false, 'disable'], ['allow', true, 'require'], ['allow', false, 'disable']])(
    'sslmode=%s asks the server first: TLS offered %s -> %s', async (mode, offered, effective) => {
      const { asked, probe } = fakeProbe(offered as boolean);
      const out = await pgUrl(`postgresql://u@db.example:6543/app?sslmode=${mode}`, {}, probe);
      expect(asked).toEqual(['db.example:6543']);
      expect(params(out)).toEqual({ sslmode: effective, uselibpqcompat: 'true' });
    },
  );

  it('prefer against an unreachable server leaves the failing to the real connection (TLS asked)', async () => {
    const { probe } = fakeProbe(new Error('ECONNREFUSED'));
    expect(params(await pgUrl('postgres://u@db.example/app?sslmode=prefer', {}, probe)).sslmode).toBe('require');
  });

  it('the host parameter wins over the URL host; a Unix socket takes no TLS, as in libpq', async () => {
    const { asked, probe } = fakeProbe(true);
    expect(params(await pgUrl('postgres://u@ignored/app?host=db2.example&port=7000&sslmode=prefer', {}, probe)).sslmode).toBe('require');
    expect(asked).toEqual(['db2.example:7000']);
    const socket = await pgUrl('postgres://u@localhost/app?host=/var/run/postgresql&sslmode=require', {}, probe);
    expect(params(socket)).toEqual({ host: '/var/run/postgresql', sslmode: 'disable', uselibpqcompat: 'true' });
  });

  it('asks the port node-postgres will use: the URL, else PGPORT, else 5432', async () => {
    const { asked, probe } = fakeProbe(false);
    await pgUrl('postgres://u@db.example/app?sslmode=prefer', { PGPORT: '6432' }, probe);
    await pgUrl('postgres://u@db.example:7000/app?sslmode=prefer', { PGPORT: '6432' }, probe);
    await pgUrl('postgres://u@db.example/app?sslmode=prefer', {}, probe);
    expect(asked).toEqual(['db.example:6432', 'db.example:7000', 'db.example:5432']);
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

describe('sslProbe', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  const listen = async (answer: string): Promise<number> => {
    server = createServer((s) => s.once('data', () => s.end(answer)));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  };

  it("reads a server's 'N' as no TLS", async () => {
    expect(await sslProbe('127.0.0.1', await listen('N'))).toBe(false);
  });

  it('rejects when the server closes without answering (a proxy with nothing behind it), or answers with an error', async () => {
    server = createServer((s) => s.once('data', () => s.end()));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    await expect(sslProbe('127.0.0.1', (server.address() as { port: number }).port, 5_000)).rejects.toThrow(/closed the connection without answering/);
    server.close();
    await expect(sslProbe('127.0.0.1', await listen('E'), 5_000)).rejects.toThrow(/answered SSLRequest with "E"/);
  });

  it('rejects when nothing listens', async () => {
    const port = await listen('N');
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    await expect(sslProbe('127.0.0.1', port)).rejects.toThrow(/ECONNREFUSED/);
  });
});

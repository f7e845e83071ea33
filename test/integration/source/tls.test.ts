import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { connectPg } from '../../../connector/cli/pg';
import { giveToPostgres, traversableTmpBase } from '../../infra/as-postgres';
import { createTestDatabase, pgFromInfra } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { readLog, startPostgres, type PgServer } from '../../infra/postgres';
import { makeTestCertificates, type TestCertificates } from '../../infra/test-certs';
import { waitFor } from '../../infra/wait';
import { natsCase } from '../support/brokers';
import { run, scenario } from '../support/connector';

// sslmode as libpq (psql, PgJDBC, Debezium, every managed database's connection string) means
// it. node-postgres read require as verify-full: a `?sslmode=require` URL failed on a server
// whose CA Node does not trust, where every other client connects. A PostgreSQL of this test's
// own serves TLS with a certificate from a throwaway CA.

let server: PgServer;
let certs: TestCertificates;
let certDir: string;

beforeAll(async () => {
  certDir = await mkdtemp(path.join(traversableTmpBase(), 'walcast-pgtls-'));
  certs = await makeTestCertificates(certDir);
  await chmod(certs.keyFile, 0o600); // PostgreSQL refuses a key others can read
  for (const p of [certDir, certs.keyFile, certs.certFile]) await giveToPostgres(p);
  server = await startPostgres({ extraConf: { ssl: 'on', ssl_cert_file: certs.certFile, ssl_key_file: certs.keyFile } });
});

afterAll(async () => {
  await server?.stop();
  await rm(certDir, { recursive: true, force: true });
  await pgFromInfra().close();
});

/** Whether a session on `url` is encrypted, from the server's own view (pg_stat_ssl). */
async function encrypted(url: string): Promise<boolean> {
  const client = await connectPg(url, 'walcast-tls-test');
  try {
    const r = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return r.rows[0]!.ssl;
  } finally {
    await client.end();
  }
}

const withParams = (url: string, q: string): string => `${url}${url.includes('?') ? '&' : '?'}${q}`;

test('require: TLS without checking the certificate, so an untrusted CA connects (as in libpq)', async () => {
  expect(await encrypted(withParams(server.url(), 'sslmode=require'))).toBe(true);
});

test('verify-full checks the certificate: with the CA as sslrootcert it connects, without it is refused', async () => {
  expect(await encrypted(withParams(server.url(), `sslmode=verify-full&sslrootcert=${certs.caFile}`))).toBe(true);
  await expect(encrypted(withParams(server.url(), 'sslmode=verify-full'))).rejects.toThrow(/certificate/);
});

test('verify-ca with the CA connects; require with sslrootcert checks the CA as libpq does', async () => {
  expect(await encrypted(withParams(server.url(), `sslmode=verify-ca&sslrootcert=${certs.caFile}`))).toBe(true);
  // A CA that did not sign the server's certificate: require with a root certificate is verify-ca.
  const other = await makeTestCertificates(await mkdtemp(path.join(traversableTmpBase(), 'walcast-otherca-')));
  try {
    await expect(encrypted(withParams(server.url(), `sslmode=require&sslrootcert=${other.caFile}`))).rejects.toThrow(/certificate/);
  } finally {
    await rm(path.dirname(other.caFile), { recursive: true, force: true });
  }
});

test('prefer: TLS where the server offers it, plain where it does not; the question leaves no error in the server log', async () => {
  const logBefore = readLog(server).length; // the tests before leave refused handshakes in it
  expect(await encrypted(withParams(server.url(), 'sslmode=prefer'))).toBe(true);
  const plain = await createTestDatabase('tlsplain'); // the suite's server has no TLS
  expect(await encrypted(withParams(plain.url, 'sslmode=prefer'))).toBe(false);
  await expect(encrypted(withParams(plain.url, 'sslmode=require'))).rejects.toThrow(/does not support SSL/);
  expect(readLog(server).slice(logBefore)).not.toMatch(/could not accept SSL connection|incomplete startup packet/);
});

test('prefer and allow follow pg_hba.conf as libpq: a user admitted only without TLS gets plain, one admitted only with it gets TLS', async () => {
  const plainOnly = uniqueName('plainonly');
  const tlsOnly = uniqueName('tlsonly');
  for (const u of [plainOnly, tlsOnly]) await server.query(`CREATE ROLE "${u}" LOGIN PASSWORD 'pw-secret'`, [], 'postgres');
  const hbaFile = path.join(server.dataDir, 'pg_hba.conf');
  const original = await readFile(hbaFile, 'utf8');
  await writeFile(hbaFile, [
    `hostnossl all ${plainOnly} 127.0.0.1/32 scram-sha-256`, `hostssl all ${plainOnly} 127.0.0.1/32 reject`,
    `hostssl all ${tlsOnly} 127.0.0.1/32 scram-sha-256`, `hostnossl all ${tlsOnly} 127.0.0.1/32 reject`,
    original,
  ].join('\n'));
  const url = (user: string, mode: string): string => withParams(server.url('app', user, 'pw-secret'), `sslmode=${mode}`);
  try {
    await server.query('SELECT pg_reload_conf()', [], 'postgres');
    // The postmaster applies the reload a moment later: until then the TLS-only user gets in plain.
    await waitFor(async () => (await encrypted(url(tlsOnly, 'disable')).then(() => false, () => true)), { timeoutMs: 10_000, message: 'pg_hba.conf reloaded' });
    const logBefore = readLog(server).length;
    // Without asking pg_hba.conf, prefer took TLS here and the connection was refused.
    expect(await encrypted(url(plainOnly, 'prefer'))).toBe(false);
    expect(await encrypted(url(plainOnly, 'allow'))).toBe(false);
    expect(await encrypted(url(tlsOnly, 'prefer'))).toBe(true);
    expect(await encrypted(url(tlsOnly, 'allow'))).toBe(true);
    // The questions that were admitted left nothing in the log; the refusals are logged, as for libpq's first try.
    const log = readLog(server).slice(logBefore);
    expect(log).not.toMatch(/could not accept SSL connection|incomplete startup packet|unexpected EOF|could not receive data/);
    expect(log).toMatch(/pg_hba\.conf rejects connection/);
  } finally {
    await writeFile(hbaFile, original);
    await server.query('SELECT pg_reload_conf()', [], 'postgres');
    await waitFor(async () => (await encrypted(url(tlsOnly, 'disable')).then(() => true, () => false)), { timeoutMs: 10_000, message: 'pg_hba.conf restored' });
    for (const u of [plainOnly, tlsOnly]) await server.query(`DROP ROLE "${u}"`, [], 'postgres');
  }
});

test('the whole connector (slot owner, replication, lag poller) streams over sslmode=require', async () => {
  const url = withParams(await server.createDatabase(uniqueName('tlsdb')), 'sslmode=require');
  const db = new URL(url).pathname.slice(1);
  await server.query('CREATE TABLE public.t (id int PRIMARY KEY, v text)', [], db);
  const s = await scenario(natsCase.sinkConfig(), { source: { url, tables: ['public.t'] } });
  const r = run(s.config);
  try {
    await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 60_000, message: () => `streaming; logs:\n${r.logs.map((l) => `${l.level} ${l.msg}`).join('\n')}` });
    await server.query("INSERT INTO public.t VALUES (1, 'over TLS')", [], db);
    await waitFor(async () => (await natsCase.read(s.config, 'public', 't')).length === 1, { timeoutMs: 30_000, message: 'the insert published' });
    const sessions = await server.query<{ application_name: string; ssl: boolean }>(
      "SELECT a.application_name, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1 AND a.application_name LIKE 'walcast%'", [db], 'postgres');
    expect(sessions.length).toBeGreaterThanOrEqual(2); // the owner lock and the walsender at least
    expect(sessions.filter((x) => !x.ssl)).toEqual([]);
  } finally {
    await r.handle.stop('test');
  }
  await server.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [s.config.source.slot], db);
});

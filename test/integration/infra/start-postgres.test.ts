import { existsSync } from 'node:fs';
import net from 'node:net';
import { PgServer, startPostgres } from '../../infra/postgres';

// startPostgres on its own (a test that needs to restart or break its server starts one).

let server: PgServer | undefined;

afterAll(async () => {
  await server?.stop();
});

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

test('applies extra settings, then stop removes everything and is idempotent', async () => {
  server = await startPostgres({ extraConf: { logical_decoding_work_mem: '1MB' }, logicalWorkers: 2 });
  const [mem] = await server.query<{ logical_decoding_work_mem: string }>('SHOW logical_decoding_work_mem');
  expect(mem?.logical_decoding_work_mem).toBe('1MB');
  const [workers] = await server.query<{ max_logical_replication_workers: string }>(
    'SHOW max_logical_replication_workers',
  );
  expect(workers?.max_logical_replication_workers).toBe('2');
  expect(existsSync(server.logFile)).toBe(true);
  const [db] = await server.query<{ datname: string; owner: string }>(
    "SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'app'",
  );
  expect(db).toEqual({ datname: 'app', owner: 'walcast' });

  await Promise.all([server.stop(), server.stop()]);
  await server.stop();
  expect(existsSync(server.rootDir)).toBe(false);
  expect(await refusesConnections(server.port)).toBe(true);
});

test('rejects an invalid setting name without leaving a cluster behind', async () => {
  const failure = await startPostgres({ extraConf: { 'bad key': 'x' } }).then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  expect(failure?.message).toMatch(/invalid postgresql.conf key: bad key/);
  const dir = /cluster dir (\S+),/.exec(failure?.message ?? '')?.[1];
  expect(dir).toMatch(/walcast-pg-/);
  expect(existsSync(dir ?? '')).toBe(false);
});

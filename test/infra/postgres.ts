import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {
  giveToPostgres,
  runPgTool,
  runPgToolSync,
  spawnReaper,
  traversableTmpBase,
} from './as-postgres';
import { bootstrapSql, PgHandle, pgHandle } from './pg-handle';

// A throwaway PostgreSQL 15 cluster: initdb in a temp dir, logical decoding on, a random TCP
// port on 127.0.0.1 (scram-sha-256) and a unix socket in the same dir (trust).

export interface StartPostgresOptions {
  /** max_logical_replication_workers (worker slots grow with it). Default: server default. */
  logicalWorkers?: number;
  /** Extra postgresql.conf settings; values are written quoted, which PostgreSQL accepts for any type. */
  extraConf?: Record<string, string>;
}

export interface PgServer extends PgHandle {
  readonly dataDir: string;
  /** The temp dir holding dataDir, the socket and the log. */
  readonly rootDir: string;
  /** Server log (pg_ctl -l); read it when a test fails strangely. */
  readonly logFile: string;
  /** Immediate shutdown, then removes rootDir. Idempotent; safe after a failed start. */
  stop(): Promise<void>;
  /** Synchronous stop for process 'exit' hooks, where promises never settle. */
  stopSync(): void;
}

const START_ATTEMPTS = 3;

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PgServer> {
  const rootDir = await mkdtemp(path.join(traversableTmpBase(), 'walcast-pg-'));
  const dataDir = path.join(rootDir, 'data');
  const logFile = path.join(rootDir, 'postgres.log');
  const cancelReaper = spawnReaper(dataDir, rootDir);
  let handle: PgHandle | undefined;
  let stopping: Promise<void> | undefined;

  const stopNow = async (): Promise<void> => {
    await handle?.close();
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      await runPgTool('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate', '-w'], rootDir).catch(
        () => undefined,
      );
    }
    await rm(rootDir, { recursive: true, force: true, maxRetries: 3 });
    cancelReaper();
  };
  const stop = (): Promise<void> => (stopping ??= stopNow());
  const stopSync = (): void => {
    if (stopping) return;
    stopping = Promise.resolve();
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      runPgToolSync('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate', '-w'], rootDir);
    }
    rmSync(rootDir, { recursive: true, force: true });
    cancelReaper();
  };

  try {
    await giveToPostgres(rootDir);
    await mkdir(dataDir, { mode: 0o700 });
    await giveToPostgres(dataDir);
    await runPgTool(
      'initdb',
      ['-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256',
        '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      rootDir,
    );
    await writeFile(path.join(dataDir, 'pg_hba.conf'), HBA);
    await giveToPostgres(path.join(dataDir, 'pg_hba.conf'));
    await appendInclude(dataDir);

    const port = await startOnFreePort(dataDir, rootDir, logFile, options);
    handle = pgHandle({ port, socketDir: rootDir });
    for (const sql of bootstrapSql()) await handle.query(sql, [], 'postgres');
  } catch (err) {
    const log = await tail(logFile);
    await stop();
    throw new Error(
      `startPostgres failed (cluster dir ${rootDir}, removed): ${(err as Error).message}` +
        (log ? `\n--- server log ---\n${log}` : ''),
      { cause: err },
    );
  }
  const client = handle;
  return {
    port: client.port,
    host: client.host,
    socketDir: client.socketDir,
    url: client.url,
    query: client.query,
    createDatabase: client.createDatabase,
    close: client.close,
    dataDir,
    rootDir,
    logFile,
    stop,
    stopSync,
  };
}

const HBA = [
  '# TYPE  DATABASE     USER  ADDRESS        METHOD',
  'local   all          all                  trust',
  'local   replication  all                  trust',
  'host    all          all   127.0.0.1/32   scram-sha-256',
  'host    replication  all   127.0.0.1/32   scram-sha-256',
  '',
].join('\n');

// Our settings live in walcast.conf, included last so they win and so a retry on another port
// only rewrites that file.
async function appendInclude(dataDir: string): Promise<void> {
  const conf = path.join(dataDir, 'postgresql.conf');
  const text = await readFile(conf, 'utf8');
  await writeFile(conf, `${text}\ninclude 'walcast.conf'\n`);
}

function settings(port: number, socketDir: string, options: StartPostgresOptions): Record<string, string> {
  const conf: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    wal_level: 'logical',
    max_replication_slots: '64',
    max_wal_senders: '64',
    max_connections: '200',
    shared_buffers: '128MB',
    wal_sender_timeout: '60s',
    // Durability is worthless for a throwaway cluster and costs seconds per test run.
    fsync: 'off',
    full_page_writes: 'off',
    // Kept on: logical decoding (walsender and pg_logical_slot_*_changes) only reads WAL up to
    // the flush pointer, so with async commit a just-committed transaction stays invisible for
    // up to wal_writer_delay (200 ms). With fsync off, "flush" is a plain write() anyway.
    synchronous_commit: 'on',
    log_line_prefix: '%m [%p] %q%u@%d ',
    log_replication_commands: 'on',
    // pg_ctl -l captures stderr; keep the collector off so the log stays one known file.
    logging_collector: 'off',
  };
  if (options.logicalWorkers !== undefined) {
    conf.max_logical_replication_workers = String(options.logicalWorkers);
    conf.max_worker_processes = String(Math.max(8, options.logicalWorkers + 4));
  }
  for (const [key, value] of Object.entries(options.extraConf ?? {})) {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(key)) throw new Error(`invalid postgresql.conf key: ${key}`);
    conf[key] = value;
  }
  return conf;
}

function renderConf(conf: Record<string, string>): string {
  return Object.entries(conf)
    .map(([key, value]) => `${key} = '${value.replace(/'/g, "''")}'`)
    .join('\n') + '\n';
}

/**
 * Picks a free port by binding port 0, starts the server there, and retries on another port
 * when some other process took it in between.
 */
async function startOnFreePort(
  dataDir: string,
  rootDir: string,
  logFile: string,
  options: StartPostgresOptions,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const confFile = path.join(dataDir, 'walcast.conf');
    await writeFile(confFile, renderConf(settings(port, rootDir, options)));
    await giveToPostgres(confFile);
    // A fresh log per attempt, so an old attempt's bind error is not mistaken for this one's.
    await rm(logFile, { force: true });
    try {
      await runPgTool('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-s', 'start'], rootDir);
      return port;
    } catch (err) {
      const log = await tail(logFile);
      const portTaken = /could not bind|address already in use|could not create any TCP/i.test(log);
      if (!portTaken || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from listen(0)'))));
    });
  });
}

async function tail(file: string, lines = 40): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n').trim();
  } catch {
    return '';
  }
}

/** The log of a cluster, for attaching to a failure message. */
export function readLog(server: Pick<PgServer, 'logFile'>): string {
  try {
    return readFileSync(server.logFile, 'utf8');
  } catch {
    return '';
  }
}

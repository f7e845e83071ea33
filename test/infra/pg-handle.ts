import { escapeIdentifier, escapeLiteral, Pool } from 'pg';

// Roles every test cluster has. `walcast` is SUPERUSER + REPLICATION so it works for everything;
// `limited` (LOGIN only) is for privilege-error tests. Superuser queries use `postgres` over the
// unix socket, which pg_hba trusts.
export const ROLE_PASSWORDS: Readonly<Record<string, string>> = Object.freeze({
  walcast: 'walcast-secret',
  limited: 'limited-secret',
});
export const DEFAULT_USER = 'walcast';
export const DEFAULT_DB = 'app';
const SUPERUSER = 'postgres';

/** Where a running test cluster listens. */
export interface PgLocation {
  port: number;
  /** unix_socket_directories of the cluster. */
  socketDir: string;
}

/** Client side of a test cluster: what a test file needs, without the power to stop it. */
export interface PgHandle {
  readonly port: number;
  readonly host: '127.0.0.1';
  readonly socketDir: string;
  /**
   * TCP URL with scram password, e.g. postgres://walcast:walcast-secret@127.0.0.1:5432/app.
   * `password` defaults to the known password of `walcast`/`limited`; other users get none.
   */
  url(db?: string, user?: string, password?: string): string;
  /** Runs `sql` as superuser `postgres` in `db` (default `app`); `params` are bind parameters. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], db?: string): Promise<T[]>;
  /** CREATE DATABASE owned by `walcast`; resolves with its url(). */
  createDatabase(name: string): Promise<string>;
  /** Ends the superuser pools (idempotent; a later query opens new ones). */
  close(): Promise<void>;
}

export function pgHandle(location: PgLocation): PgHandle {
  const pools = new Map<string, Pool>();
  const poolFor = (db: string): Pool => {
    let pool = pools.get(db);
    if (!pool) {
      // allowExitOnIdle: an idle pool must not keep a jest worker alive.
      pool = new Pool({
        host: location.socketDir,
        port: location.port,
        user: SUPERUSER,
        database: db,
        max: 4,
        allowExitOnIdle: true,
      });
      // An idle client dying (e.g. the cluster stopped under it) must not crash the process.
      pool.on('error', () => undefined);
      pools.set(db, pool);
    }
    return pool;
  };

  const url = (db = DEFAULT_DB, user = DEFAULT_USER, password = ROLE_PASSWORDS[user]): string => {
    const auth = password === undefined
      ? encodeURIComponent(user)
      : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return `postgres://${auth}@127.0.0.1:${location.port}/${encodeURIComponent(db)}`;
  };

  return {
    port: location.port,
    host: '127.0.0.1',
    socketDir: location.socketDir,
    url,
    async query<T>(sql: string, params: unknown[] = [], db = DEFAULT_DB): Promise<T[]> {
      const result = await poolFor(db).query(sql, params);
      return result.rows as T[];
    },
    async createDatabase(name: string): Promise<string> {
      // Utility statements take no bind parameters, hence quoting.
      await poolFor(SUPERUSER).query(
        `CREATE DATABASE ${escapeIdentifier(name)} OWNER ${escapeIdentifier(DEFAULT_USER)}`,
      );
      return url(name);
    },
    async close(): Promise<void> {
      const ending = [...pools.values()].map((pool) => pool.end().catch(() => undefined));
      pools.clear();
      await Promise.all(ending);
    },
  };
}

/** SQL creating the standard roles and database; run once as superuser on a fresh cluster. */
export function bootstrapSql(): string[] {
  const role = (name: string, attributes: string): string =>
    `CREATE ROLE ${escapeIdentifier(name)} ${attributes} PASSWORD ${escapeLiteral(ROLE_PASSWORDS[name] ?? '')}`;
  return [
    role(DEFAULT_USER, 'LOGIN REPLICATION SUPERUSER'),
    role('limited', 'LOGIN NOSUPERUSER NOREPLICATION'),
    `CREATE DATABASE ${escapeIdentifier(DEFAULT_DB)} OWNER ${escapeIdentifier(DEFAULT_USER)}`,
  ];
}

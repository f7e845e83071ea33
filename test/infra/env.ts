import { readFileSync } from 'node:fs';
import { uniqueName } from './names';
import { PgHandle, pgHandle } from './pg-handle';

// What the integration globalSetup started, as seen from a jest worker. Setup writes a JSON file
// and puts its path in WALCAST_TEST_INFRA; workers are forked after setup and inherit it.

export const INFRA_ENV = 'WALCAST_TEST_INFRA';

export interface TestInfra {
  pg: { port: number; host: '127.0.0.1'; dataDir: string; socketDir: string; logFile: string };
  /** Present when test/infra/kafka-broker.ts exists and the Apache Kafka broker started. */
  kafka?: { bootstrap: string; brokers: number; dir: string };
  /** Present when test/infra/nats.ts exists and nats-server started. */
  nats?: { url: string; storeDir: string; port?: number };
}

let cachedInfra: TestInfra | undefined;
let cachedPg: PgHandle | undefined;

export function testInfra(): TestInfra {
  if (cachedInfra) return cachedInfra;
  const file = process.env[INFRA_ENV];
  if (!file) {
    throw new Error(
      `${INFRA_ENV} is not set: integration tests need the servers started by test/infra/global-setup.ts; ` +
        'run them with `npx jest --selectProjects integration`',
    );
  }
  cachedInfra = JSON.parse(readFileSync(file, 'utf8')) as TestInfra;
  return cachedInfra;
}

/**
 * The shared cluster of this run (one handle per worker). Tests must not stop it; they isolate
 * themselves with their own database (see createTestDatabase).
 */
export function pgFromInfra(): PgHandle {
  cachedPg ??= pgHandle(testInfra().pg);
  return cachedPg;
}

export function kafkaFromInfra(): NonNullable<TestInfra['kafka']> {
  const kafka = testInfra().kafka;
  if (!kafka) throw new Error('the Kafka broker was not started by global setup (see WALCAST_TEST_SERVICES)');
  return kafka;
}

export function natsFromInfra(): NonNullable<TestInfra['nats']> {
  const nats = testInfra().nats;
  if (!nats) throw new Error('nats-server was not started by global setup (see WALCAST_TEST_SERVICES)');
  return nats;
}

export interface TestDatabase {
  name: string;
  /** walcast's URL (superuser + replication, scram over TCP). */
  url: string;
  /** Superuser query in this database. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** A fresh database in the shared cluster, owned by walcast, uniquely named from `prefix`. */
export async function createTestDatabase(prefix = 'db'): Promise<TestDatabase> {
  const pg = pgFromInfra();
  const name = uniqueName(prefix);
  const url = await pg.createDatabase(name);
  return { name, url, query: (sql, params) => pg.query(sql, params, name) };
}

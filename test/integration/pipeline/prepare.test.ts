import { Client } from 'pg';
import { loadConfig } from '../../../config/load';
import type { WalcastConfig } from '../../../config/types';
import { isConnectorError } from '../../../connector/errors';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { inspectServer } from '../../../connector/pipeline/prepare';
import { createTestDatabase, pgFromInfra, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';

// inspectServer (run at the start of every pipeline attempt) against the real cluster.

let db: TestDatabase;
let client: Client;

beforeAll(async () => {
  db = await createTestDatabase('prepare');
  await db.query(`CREATE TABLE public.orders (id int8 PRIMARY KEY);
                  CREATE TABLE public.nokey (v text)`);
  client = new Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await pgFromInfra().close();
});

function config(tables: string[]): WalcastConfig {
  return loadConfig({ env: {}, overrides: { name: uniqueName('prep'), source: { url: db.url, tables }, http: { port: 0 } } });
}

test('a typo in the only table entry is one problem, with the close existing name', async () => {
  const error = await inspectServer(client, config(['public.order']), createMemoryLogger()).then(() => null, (e: unknown) => e);
  expect(isConnectorError(error, 'CONFIG_INVALID')).toBe(true);
  expect((error as Error).message).toBe(
    `cannot start:\n  - source.tables entry "public.order" matches no table in database "${db.name}" (did you mean "public.orders"?)`);
});

test('the replica-identity warning is logged once per process, not on every attempt', async () => {
  const logger = createMemoryLogger();
  const c = config(['public.*']);
  for (let attempt = 0; attempt < 3; attempt++) await inspectServer(client, c, logger);
  const warnings = logger.entries.filter((e) => e.level === 'warn' && /replica identity/.test(e.msg));
  expect(warnings.map((w) => w.fields.table)).toEqual(['public.nokey']);
});

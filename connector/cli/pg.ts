import { Client } from 'pg';
import { fromPgError } from '../errors';
import { redactUrl } from '../observe/logger';
import type { PgSession } from './io';
import { pgUrl } from '../source/pg-url';

/**
 * A normal (non-replication) connection for validate --connect and status. Errors name the
 * server by its redacted URL; pg's own messages never contain the password.
 */
export async function connectPg(url: string, applicationName: string): Promise<PgSession> {
  const client = new Client({ connectionString: await pgUrl(url), application_name: applicationName, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a dropped connection surfaces through the awaited query
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw fromPgError(e, 'PG_CONNECT', `cannot connect to ${redactUrl(url)}`);
  }
  return client;
}

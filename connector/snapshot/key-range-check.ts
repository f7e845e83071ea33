/**
 * Which of a table's snapshot ranges holds a key, as PostgreSQL orders keys: the chunk SELECTs
 * compared keys as row values in SQL (chunks.ts), under each column's collation, so only
 * PostgreSQL can say where a key falls (a text key under a linguistic collation, a domain, an
 * enum...). One prepared query per table: `CASE WHEN <key in range 0> THEN 0 WHEN ... END`, the
 * first range holding it wins, with the chunk SELECTs' own tests (chunks.ts keyRangeTests). Key
 * values and bounds are bind parameters in their text form, cast to the column type; the key
 * side carries the column's collation explicitly.
 */
import { Client } from 'pg';
import { ConnectorError } from '../errors';
import { SESSION_OPTIONS } from '../source/replication-connection';
import type { Logger } from '../observe/logger';
import { keyRangeTests } from './chunks';
import type { DoneRange } from './resume';
import type { KeyColumn } from './types';
import { pgUrl } from '../source/pg-url';

export interface RangeQuery {
  readonly text: string;
  /** Bound values, after the key's values ($1..$n). */
  readonly bounds: readonly string[];
}

/** The query for a table's key ranges (`keys` ranges only; others never hold a key). */
export function rangeQuery(key: readonly KeyColumn[], ranges: readonly DoneRange[]): RangeQuery {
  const n = key.length;
  const bounds: string[] = [];
  const param = (v: string, i: number): string => {
    bounds.push(v);
    return `$${n + bounds.length}::${key[i]!.typeSql}`;
  };
  const keyRow = `(${key.map((k, i) => `$${i + 1}::${k.typeSql}${k.collationSql ? ` COLLATE ${k.collationSql}` : ''}`).join(', ')})`;
  const cases: string[] = [];
  ranges.forEach((r, index) => {
    if (r.kind !== 'keys') return;
    if ((r.lower && r.lower.length !== n) || (r.upper && r.upper.length !== n)) return;
    const tests = keyRangeTests(keyRow, r.lower, r.upper, (vals) => `(${vals.map(param).join(', ')})`);
    cases.push(`WHEN ${tests.length > 0 ? tests.join(' AND ') : 'true'} THEN ${index}`);
  });
  return { text: `SELECT CASE ${cases.join(' ')} ELSE -1 END AS range`, bounds };
}

/** Asks PostgreSQL which range holds a key; one connection, opened on first use. */
export class KeyRangeChecker {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private readonly queries = new Map<string, { name: string; query: RangeQuery }>();

  constructor(private readonly url: string, private readonly logger: Logger) {}

  /** The index of the first range of `ranges` holding `values` (the key in text form), -1 if none. */
  async rangeOf(table: string, key: readonly KeyColumn[], ranges: readonly DoneRange[], values: readonly string[]): Promise<number> {
    let q = this.queries.get(table);
    if (!q) {
      q = { name: `walcast_key_range_${this.queries.size}`, query: rangeQuery(key, ranges) };
      this.queries.set(table, q);
    }
    const client = await this.connect();
    try {
      const res = await client.query<{ range: number }>({ name: q.name, text: q.query.text, values: [...values, ...q.query.bounds] });
      return Number(res.rows[0]?.range ?? -1);
    } catch (e) {
      throw new ConnectorError('PG_QUERY', `cannot compare a replayed key of ${table} with the snapshot's ranges`, { cause: e, context: { table } });
    }
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      // Bounded: a query that hangs would otherwise hold the stream with no end (the session
      // fails instead, and the next one retries).
      // The replication connection's session settings: key values arrive in its text forms
      // (timestamps in UTC, ISO dates), and are read back here under the same ones.
      const client = new Client({
        connectionString: await pgUrl(this.url), application_name: 'walcast-key-ranges', options: SESSION_OPTIONS,
        connectionTimeoutMillis: 30_000, statement_timeout: 60_000,
      });
      client.on('error', (e) => this.logger.warn({ err: e }, 'key range connection error'));
      await client.connect();
      this.client = client;
      return client;
    })().finally(() => { this.connecting = null; });
    return this.connecting;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}

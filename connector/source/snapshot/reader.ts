/**
 * One reader connection of the snapshot. Every value arrives as its PostgreSQL text form (a
 * type parser that returns the raw text), under the replication session's settings, so a row
 * is the same Tuple pgoutput would send. Rows are streamed through a NO SCROLL cursor, one
 * FETCH batch at a time.
 */
import { Client, type CustomTypesConfig } from 'pg';
import { ConnectorError, fromPgError } from '../../errors';
import { SESSION_OPTIONS } from '../replication-connection';
import { quoteLiteral } from '../sql';
import type { Sql } from './chunks';

/** Every column as text: pg hands the raw text to the parser, which returns it unchanged. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as CustomTypesConfig;

/** Snapshot names are server-generated, e.g. `00000003-0000001B-1`. */
const SNAPSHOT_NAME = /^[0-9A-F-]+$/i;

const CURSOR = 'walcast_snapshot_chunk';

export type RawRow = readonly (string | null)[];

export class SnapshotReader {
  private closed = false;

  private constructor(private readonly client: Client, readonly id: number) {}

  static async open(url: string, id: number, applicationName: string): Promise<SnapshotReader> {
    const client = new Client({ connectionString: url, application_name: applicationName, options: SESSION_OPTIONS, types: RAW_TEXT });
    // Errors surface through the awaited queries; an unlistened 'error' event would crash.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw fromPgError(e, 'PG_CONNECT', 'snapshot reader cannot connect', { reader: id });
    }
    return new SnapshotReader(client, id);
  }

  /**
   * Opens the read-only REPEATABLE READ transaction. With a snapshot name, imports it;
   * without, the transaction's own snapshot is used and, with `exportIt`, exported for the
   * other readers (returns its name).
   */
  async begin(snapshotName: string | null, exportIt: boolean): Promise<string | null> {
    await this.run('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    if (snapshotName !== null) {
      if (!SNAPSHOT_NAME.test(snapshotName)) {
        throw new ConnectorError('SNAPSHOT', `invalid snapshot name ${JSON.stringify(snapshotName)}`, { retriable: false });
      }
      // SET TRANSACTION SNAPSHOT takes no bind parameters: a validated, quoted literal.
      await this.run(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotName)}`);
      return snapshotName;
    }
    if (!exportIt) return null;
    const [row] = await this.rows({ text: 'SELECT pg_catalog.pg_export_snapshot()', values: [] });
    return row?.[0] ?? null;
  }

  /** Array rows of a query (small results: catalog, chunk boundaries). */
  async rows(sql: Sql): Promise<RawRow[]> {
    try {
      const result = await this.client.query<string[]>({ text: sql.text, values: [...sql.values], rowMode: 'array' });
      return result.rows;
    } catch (e) {
      throw this.wrap(e, sql.text);
    }
  }

  /** Object rows, for the catalog queries (Queryable). */
  async query<R extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<{ rows: R[] }> {
    try {
      const result = await this.client.query<R>(text, values);
      return { rows: result.rows };
    } catch (e) {
      throw this.wrap(e, text);
    }
  }

  /**
   * Streams a query through a cursor: `onBatch` gets at most `fetchRows` rows at a time and
   * the next FETCH waits for it. The cursor is closed before returning.
   */
  async stream(sql: Sql, fetchRows: number, onBatch: (rows: readonly RawRow[]) => Promise<void> | void): Promise<void> {
    // DECLARE accepts bind parameters (the extended protocol binds them into the cursor's plan).
    await this.runParams(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${sql.text}`, sql.values);
    const fetch = `FETCH FORWARD ${Math.max(1, Math.floor(fetchRows))} FROM ${CURSOR}`;
    for (;;) {
      const batch = await this.rows({ text: fetch, values: [] });
      if (batch.length === 0) break;
      await onBatch(batch);
      if (batch.length < fetchRows) break;
    }
    await this.run(`CLOSE ${CURSOR}`);
  }

  async commit(): Promise<void> {
    await this.run('COMMIT');
  }

  /** Closes the connection (idempotent); an in-flight query fails. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end().catch(() => undefined);
  }

  private async run(text: string): Promise<void> {
    try {
      await this.client.query(text);
    } catch (e) {
      throw this.wrap(e, text);
    }
  }

  private async runParams(text: string, values: readonly string[]): Promise<void> {
    try {
      await this.client.query(text, [...values]);
    } catch (e) {
      throw this.wrap(e, text);
    }
  }

  private wrap(e: unknown, text: string): ConnectorError {
    if (this.closed) return new ConnectorError('ABORTED', 'snapshot reader closed', { cause: e, context: { reader: this.id } });
    return fromPgError(e, 'SNAPSHOT', `snapshot query failed (${text.split(' ', 2).join(' ')})`, { reader: this.id });
  }
}

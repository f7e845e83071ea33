/**
 * One reader connection of the snapshot. Every value arrives as its PostgreSQL text form (a
 * type parser that returns the raw text, or COPY's text format), under the replication
 * session's settings, so a row is the same Tuple pgoutput would send. Chunk rows are streamed
 * with `COPY (SELECT ...) TO STDOUT` (pg-copy-streams) and parsed by CopyTextParser: COPY sends
 * the rows' text forms without a per-row protocol message and without the per-FETCH round trip
 * of a cursor.
 */
import { Client, type CustomTypesConfig } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ConnectorError, fromPgError, type ErrorContext } from '../errors';
import { SESSION_OPTIONS } from '../source/replication-connection';
import { quoteLiteral } from '../source/sql';
import { chunkSetting, type ChunkSql, type Sql } from './chunks';
import { CopyTextParser } from './copy-text';
import { pgUrl } from '../source/pg-url';

/** Every column as text: pg hands the raw text to the parser, which returns it unchanged. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as CustomTypesConfig;

/** Snapshot names are server-generated, e.g. `00000003-0000001B-1`. */
const SNAPSHOT_NAME = /^[0-9A-F-]+$/i;

export type RawRow = readonly (string | null)[];

export class SnapshotReader {
  private closed = false;

  private constructor(private readonly client: Client, readonly id: number) {}

  static async open(url: string, id: number, applicationName: string): Promise<SnapshotReader> {
    const client = new Client({ connectionString: await pgUrl(url), application_name: applicationName, options: SESSION_OPTIONS, types: RAW_TEXT });
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
   * Streams a chunk's rows with COPY: `onBatch` gets at most `fetchRows` rows at a time, and
   * while its promise is pending nothing more is read from the socket (the COPY stream is not
   * read, so pg-copy-streams pauses the socket and the server waits on TCP): memory stays at
   * about one socket chunk of rows. The chunk's values are bound first (ChunkSql).
   * A COPY cannot be left midway, so any failure (the server's, the parser's or onBatch's)
   * closes the reader; onBatch's own error is rethrown as it is.
   */
  async stream(sql: ChunkSql, fetchRows: number, onBatch: (rows: readonly RawRow[]) => Promise<void> | void): Promise<void> {
    if (sql.settings.length > 0) {
      // Transaction-local (is_local = true), so each chunk overwrites the previous chunk's values.
      await this.runParams(
        'SELECT pg_catalog.set_config(s.name, s.value, true) ' +
          'FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[])) AS s(name, value)',
        [sql.settings.map((_, i) => chunkSetting(i)), sql.settings],
      );
    }
    const text = `COPY (${sql.text}) TO STDOUT`;
    const max = Math.max(1, Math.floor(fetchRows));
    const parser = new CopyTextParser();
    let batch: RawRow[] = [];
    /** Rows handed to onBatch so far. */
    let rows = 0;
    let callbackFailed = false;
    const deliver = async (rows: RawRow[]): Promise<void> => {
      // Closed while onBatch was pending: rows parsed from the last socket chunk are not handed on.
      if (this.closed) throw new ConnectorError('ABORTED', 'snapshot reader closed', { context: { reader: this.id } });
      try {
        await onBatch(rows);
      } catch (e) {
        callbackFailed = true;
        throw e;
      }
    };
    const copy = this.client.query(copyTo(text));
    // pg-copy-streams emits the connection's end as 'error' even after the iteration stopped
    // (close() below); errors reach us through the iterator, this listener only keeps an
    // unlistened 'error' event from crashing the process.
    copy.on('error', () => undefined);
    try {
      // Async iteration reads one chunk only when the previous one was handled: the back-pressure.
      for await (const chunk of copy as AsyncIterable<Buffer>) {
        for (const row of parser.push(chunk)) {
          if (row.length !== sql.columns) {
            throw new ConnectorError('SNAPSHOT', `COPY row ${rows + batch.length + 1} has ${row.length} fields, ${sql.columns} expected`, { context: { reader: this.id } });
          }
          batch.push(row);
          if (batch.length < max) continue;
          const full = batch;
          batch = [];
          rows += full.length;
          await deliver(full);
        }
      }
      parser.end();
      if (batch.length > 0) await deliver(batch);
    } catch (e) {
      // The chunk's SQL holds identifiers only (its values travel as settings): safe to log.
      const error = callbackFailed || (e instanceof ConnectorError && e.code === 'ABORTED') ? e : this.wrap(e, text, { sql: sql.text });
      await this.close();
      throw error;
    }
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

  private async runParams(text: string, values: readonly unknown[]): Promise<void> {
    try {
      await this.client.query(text, [...values]);
    } catch (e) {
      throw this.wrap(e, text);
    }
  }

  private wrap(e: unknown, text: string, context: ErrorContext = {}): ConnectorError {
    if (this.closed) return new ConnectorError('ABORTED', 'snapshot reader closed', { cause: e, context: { reader: this.id } });
    return fromPgError(e, 'SNAPSHOT', `snapshot query failed (${text.split(' ', 2).join(' ')})`, { reader: this.id, ...context });
  }
}

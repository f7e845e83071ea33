/**
 * A logical replication connection. `pg` connects, negotiates TLS and authenticates (SCRAM,
 * md5...) with `replication=database`; replication commands run through its simple-query path.
 * START_REPLICATION switches the connection into CopyBoth mode: from then on this class owns the
 * socket and frames the server's bytes itself with the sans-IO MessageFramer.
 *
 * Why we take the socket over: pg's parser would hand us every CopyData as a view into its
 * reusable buffer and gives no way to pause reading; owning the byte stream gives zero-copy
 * decoding and real backpressure (`pause()` stops reading the socket, TCP pushes back on the
 * walsender). We rely on two things of pg: `client.connection.stream` (typed public in
 * @types/pg) and that pg-protocol reads the socket through a single 'data' listener, which we
 * detach. test/integration/source/replication-connection.test.ts catches a break of either.
 */
import { Client } from 'pg';
import type { Duplex } from 'stream';
import { ConnectorError, fromPgError } from '../errors';
import { Lsn, formatLsn, parseLsn } from '../protocol/lsn';
import { MessageFramer } from '../protocol/framer';
import {
  BackendCode, encodeCopyDone, encodeQuery, encodeStandbyStatus, isXLogData, parseCopyData, parseErrorResponse, xlogData, xlogWalEnd, xlogWalStart,
} from '../protocol/replication';
import { nowPgMicros } from '../protocol/pg-time';
import type { Logger } from '../observe/logger';
import { quoteIdent } from './sql';
import { pgUrl } from './pg-url';

/**
 * pgoutput's `publication "x" does not exist` (undefined_object): the walsender reads the
 * publication with the catalog as it was at each change it decodes, so a publication created
 * after the slot's position (or dropped) fails every start at the same change. Retrying cannot
 * help, and the remedy is the user's: say it once and stop.
 */
function publicationUnreadable(sqlState: string | undefined, message: string, slot: string | undefined): ConnectorError | null {
  const m = sqlState === '42704' ? /publication "(.*)" does not exist/.exec(message) : null;
  if (m === null) return null;
  const pub = m[1]!;
  return new ConnectorError('PUBLICATION_MISMATCH',
    `replication slot "${slot ?? '?'}" cannot be decoded with publication "${pub}": the publication did not exist at the slot's position `
    + '(it was created after the slot, or dropped since). PostgreSQL reads a publication as the catalog was at each change, so the changes '
    + `between cannot be read through it. Use a publication that existed when the slot was created (source.publication), or drop the slot `
    + `(SELECT pg_drop_replication_slot('${slot ?? '<slot>'}')) and start again: walcast creates a new slot after the publication, and a snapshot `
    + '(snapshot.mode initial or when_needed) reads the rows the dropped slot held',
    { retriable: false, context: { slot, publication: pub, sqlState } });
}

export interface SystemIdentity {
  readonly systemId: string;
  readonly timeline: number;
  readonly xlogPos: Lsn;
  readonly dbName: string;
}

export interface StreamHandler {
  /** One XLogData message; `data` is a view valid only during the call. */
  xlogData(walStart: Lsn, walEnd: Lsn, data: Buffer): void;
  keepalive(walEnd: Lsn, replyRequested: boolean): void;
  /** The stream ended: `error` undefined after a requested stop. Called once. */
  closed(error?: ConnectorError): void;
}

/** Session settings for the replication connection (libpq `options`). */
export const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 -c bytea_output=hex';

type State = 'idle' | 'starting' | 'streaming' | 'stopping' | 'closed';

export class ReplicationConnection {
  private state: State = 'idle';
  private readonly framer = new MessageFramer();
  private handler: StreamHandler | null = null;
  private startWaiter: { resolve: () => void; reject: (e: ConnectorError) => void } | null = null;
  private stopWaiter: (() => void) | null = null;
  private stream: Duplex | null = null;
  private lastReceived: Lsn = 0n as Lsn;
  private paused = false;

  private constructor(private readonly client: Client, private readonly logger: Logger, readonly slot: string) {}

  static async open(url: string, slot: string, logger: Logger, applicationName = 'walcast'): Promise<ReplicationConnection> {
    // pgoutput and wal2json print values with the walsender session's output settings; pin the
    // ones that change text forms so values convert the same way on every server.
    const client = new Client({
      connectionString: await pgUrl(url),
      replication: 'database',
      application_name: applicationName,
      options: SESSION_OPTIONS,
    } as ConstructorParameters<typeof Client>[0]);
    // An 'error' event without a listener would crash the process; surface it through closed().
    const conn = new ReplicationConnection(client, logger, slot);
    client.on('error', (e) => conn.fail(fromPgError(e, 'REPLICATION_STREAM', 'replication connection failed', { slot })));
    client.on('end', () => conn.fail(new ConnectorError('REPLICATION_STREAM', 'replication connection closed by the server', { context: { slot } })));
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw fromPgError(e, 'PG_CONNECT', 'cannot open replication connection', { slot });
    }
    return conn;
  }

  /** Runs a replication command (simple query protocol only on this connection). */
  async command<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    if (this.state !== 'idle') throw new ConnectorError('STATE', `replication command in state ${this.state}`);
    try {
      const result = await this.client.query(sql);
      return result.rows as T[];
    } catch (e) {
      throw fromPgError(e, 'PG_QUERY', `replication command failed (${sql.split(' ', 2).join(' ')})`, { slot: this.slot });
    }
  }

  async identifySystem(): Promise<SystemIdentity> {
    const [row] = await this.command<{ systemid: string; timeline: number; xlogpos: string; dbname: string }>('IDENTIFY_SYSTEM');
    return { systemId: String(row.systemid), timeline: Number(row.timeline), xlogPos: parseLsn(row.xlogpos), dbName: row.dbname };
  }

  /**
   * START_REPLICATION SLOT <slot> LOGICAL <lsn> (<options>). Resolves once the server answered
   * CopyBothResponse; rejects with the server's error (e.g. SLOT_IN_USE, SQLSTATE 55006).
   */
  start(startLsn: Lsn, pluginOptions: string, handler: StreamHandler): Promise<void> {
    if (this.state !== 'idle') throw new ConnectorError('STATE', `start in state ${this.state}`);
    this.state = 'starting';
    this.handler = handler;
    const stream = this.client.connection.stream;
    this.stream = stream;
    // pg-protocol's parser is idle here (the last command completed with ReadyForQuery), so no
    // bytes are buffered in it; from now on the bytes are ours.
    stream.removeAllListeners('data');
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    const sql = `START_REPLICATION SLOT ${quoteIdent(this.slot)} LOGICAL ${formatLsn(startLsn)}` + (pluginOptions ? ` (${pluginOptions})` : '');
    this.logger.debug({ slot: this.slot, startLsn: formatLsn(startLsn) }, 'starting replication');
    return new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
      stream.write(encodeQuery(sql));
    });
  }

  /** Standby status update: `flush` is what the slot's confirmed_flush_lsn moves to. */
  sendStatus(flushed: Lsn, replyRequested = false): void {
    if (this.state !== 'streaming' || !this.stream) return;
    const written = this.lastReceived > flushed ? this.lastReceived : flushed;
    this.stream.write(encodeStandbyStatus(written, flushed, flushed, nowPgMicros(), replyRequested));
  }

  /** Stop reading the socket (backpressure); status updates can still be written. */
  pause(): void {
    if (!this.paused && this.stream) { this.paused = true; this.stream.pause(); }
  }

  resume(): void {
    if (this.paused && this.stream) { this.paused = false; this.stream.resume(); }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Ends streaming with CopyDone and closes the connection. The final status update must have
   * been sent before; the server processes it before our CopyDone.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'streaming' && this.stream) {
      this.state = 'stopping';
      this.resume();
      const done = new Promise<void>((resolve) => { this.stopWaiter = resolve; });
      this.stream.write(encodeCopyDone());
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); })]);
      clearTimeout(timer);
    }
    this.finish(undefined);
    await this.client.end().catch(() => undefined);
  }

  /** Drops the connection without a goodbye (used after errors). */
  destroy(): void {
    this.finish(undefined);
    this.stream?.destroy();
    this.client.end().catch(() => undefined);
  }

  private onData(chunk: Buffer): void {
    try {
      this.framer.push(chunk, (code, payload) => this.onMessage(code, payload));
    } catch (e) {
      this.fail(e instanceof ConnectorError ? e : new ConnectorError('PROTOCOL', 'replication stream decode failed', { cause: e, context: { slot: this.slot } }));
    }
  }

  private onMessage(code: number, payload: Buffer): void {
    switch (code) {
      case BackendCode.CopyData: {
        if (isXLogData(payload)) {
          const walStart = xlogWalStart(payload);
          const walEnd = xlogWalEnd(payload, walStart);
          if (walEnd > this.lastReceived) this.lastReceived = walEnd;
          this.handler?.xlogData(walStart, walEnd, xlogData(payload));
          return;
        }
        // A keepalive, or a malformed message: parseCopyData throws naming it (a whole XLogData
        // header went the way above, so an XLogData here is a short one, and throws).
        const msg = parseCopyData(payload);
        if (msg.type === 'keepalive') {
          if (msg.walEnd > this.lastReceived) this.lastReceived = msg.walEnd;
          this.handler?.keepalive(msg.walEnd, msg.replyRequested);
        }
        return;
      }
      case BackendCode.CopyBothResponse:
        this.state = 'streaming';
        this.startWaiter?.resolve();
        this.startWaiter = null;
        return;
      case BackendCode.ErrorResponse: {
        const err = parseErrorResponse(payload);
        const pgErr = Object.assign(new Error(err.message), { code: err.code, detail: err.detail });
        this.fail(publicationUnreadable(err.code, err.message, this.slot) ?? fromPgError(pgErr, 'REPLICATION_STREAM', 'replication stream error', { slot: this.slot }));
        return;
      }
      case BackendCode.NoticeResponse: {
        const n = parseErrorResponse(payload);
        this.logger.info({ slot: this.slot, severity: n.severity, sqlState: n.code }, `server notice: ${n.message}`);
        return;
      }
      case BackendCode.CopyDone:
        // The server ended its half (after our CopyDone, or because it is shutting down).
        if (this.state === 'stopping') { this.stopWaiter?.(); this.stopWaiter = null; }
        return;
      case BackendCode.CommandComplete:
      case BackendCode.ReadyForQuery:
      case BackendCode.ParameterStatus:
      case BackendCode.RowDescription:
      case BackendCode.DataRow:
        if (this.state === 'stopping' && code === BackendCode.ReadyForQuery) { this.stopWaiter?.(); this.stopWaiter = null; }
        return;
      default:
        this.logger.debug({ slot: this.slot, code: String.fromCharCode(code) }, 'ignored backend message');
    }
  }

  private fail(error: ConnectorError): void {
    if (this.startWaiter) {
      const w = this.startWaiter;
      this.startWaiter = null;
      this.state = 'closed';
      w.reject(error);
      return;
    }
    if (this.state === 'stopping' || this.state === 'closed') {
      this.stopWaiter?.();
      this.stopWaiter = null;
      return;
    }
    this.finish(error);
  }

  private finish(error: ConnectorError | undefined): void {
    // Closed before the server answered START_REPLICATION (a stop right after start): the
    // start() caller must not wait forever.
    if (this.startWaiter) {
      const w = this.startWaiter;
      this.startWaiter = null;
      w.reject(error ?? new ConnectorError('ABORTED', 'replication connection closed before streaming started', { context: { slot: this.slot } }));
    }
    if (this.state === 'closed' && !this.handler) return;
    this.state = 'closed';
    const h = this.handler;
    this.handler = null;
    h?.closed(error);
  }
}

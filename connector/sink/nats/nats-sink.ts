/**
 * The NATS JetStream sink: one connection, records published to their subject
 * (`<topicPrefix>.<schema>.<table>`, the SinkRecord topic) with `Nats-Msg-Id` = record.id, each
 * awaited for its PubAck through a bounded window (see publish-window.ts for the order argument).
 *
 * Tombstones (value null) are not published: JetStream has no log compaction for a null value to
 * drive, and Debezium Server's NATS JetStream sink skips them the same way. They count as
 * delivered at once so the LSN watermark is not held back.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ConnectorError } from '../../errors';
import { Logger } from '../../observe/logger';
import { NatsOptions } from './options';
import { Sink } from '../port';
import { SinkRecord } from '../../model/record';
import { DEFAULT_RETRY, RetryPolicy } from './backoff';
import { natsConnectOptions } from './connect-options';
import { recordHeaders } from './message';
import { isAuthError, isNoResponders, isRetriableNatsError, tlsCertificateProblem } from './nats-errors';
import { JetStreamPublisher } from './jetstream-publisher';
import { PublishWindow, type SendDone, type SendResult } from './publish-window';
import { checkSubjectsCovered, prepareStream } from './stream-setup';

const EMPTY = new Uint8Array(0);
const STORED: SendResult = { duplicate: false };
const DUPLICATE: SendResult = { duplicate: true };

export interface NatsSinkDeps {
  readonly logger: Logger;
  /** The connector's topicPrefix: the stream is bound to `<subjectsPrefix>.>`. */
  readonly subjectsPrefix: string;
  /** Tuning, mostly for tests. */
  readonly retry?: RetryPolicy;
  /** How long one publish waits for its PubAck before it counts as failed (and is retried). */
  readonly ackTimeoutMs?: number;
  /**
   * How often the client pings the server, kept within MIN_PING_MS and MAX_PING_MS; MAX_PINGS_OUT
   * unanswered pings close the connection as stale, which ends the session (a frozen server on a
   * quiet database, where no publish times out). Default NATS_PING_MS; the connector passes
   * source.heartbeatMs. The client's own default is 2 minutes, which left a frozen server
   * unnoticed for 4 or more.
   */
  readonly pingIntervalMs?: number;
  /** Client name shown by the server (`connz`). */
  readonly clientName?: string;
}

export const NATS_PING_MS = 10_000;
const MAX_PINGS_OUT = 2;
/**
 * At least 5 s: a ping queued behind a burst of large publishes on a slow link is not taken for a
 * frozen server (the bench's 100 ms heartbeat would otherwise risk it). At most the client's own
 * default, 2 minutes.
 */
const MIN_PING_MS = 5_000;
const MAX_PING_MS = 120_000;

export function createNatsSink(config: NatsOptions, deps: NatsSinkDeps): Sink {
  // The factory's logger already names the sink.
  const logger = deps.logger.child({ stream: config.stream });
  const ackTimeoutMs = deps.ackTimeoutMs ?? 5000;
  let nc: NatsConnection | null = null;
  let publisher: JetStreamPublisher | null = null;
  let jsm: JetStreamManager | null = null;
  let window: PublishWindow<SinkRecord> | null = null;
  let stopped = false;
  const failureListeners: Array<(e: ConnectorError) => void> = [];

  const sendOne = (r: SinkRecord, done: SendDone): void => {
    if (publisher === null) { queueMicrotask(() => done(new ConnectorError('STATE', 'nats sink not started'), null)); return; }
    // record.value is non-null here: tombstones never reach the window.
    publisher.publish(r.topic, r.value ?? EMPTY, recordHeaders(r), (e, duplicate) => {
      // The server answers "no responders" when no stream stores the subject (or JetStream is
      // briefly away). Still retriable.
      if (e !== null && isNoResponders(e)) done(new Error(`no JetStream stream answered for subject "${r.topic}" (no responders)`, { cause: e }), null);
      else done(e, e === null ? (duplicate ? DUPLICATE : STORED) : null);
    });
  };

  const watchStatus = async (conn: NatsConnection): Promise<void> => {
    for await (const s of conn.status()) {
      // Said before the close it causes, so the log tells a frozen server from a dropped socket.
      if (s.type === 'staleConnection') logger.warn({}, `nats server stopped answering pings (${MAX_PINGS_OUT} unanswered); closing the connection`);
      if (s.type === 'disconnect') {
        window?.setConnected(false);
        logger.warn({ server: s.server }, 'nats disconnected');
        // See connect-options.ts: never continue on another connection; fail and let the
        // pipeline resend from the last confirmed position, in order.
        const lost = new ConnectorError('SINK_SEND', `nats connection to ${s.server} lost; resending from the last confirmed position`);
        window?.abort(lost);
        publisher?.failAll(lost);
        if (!conn.isClosed()) void conn.close().catch(() => undefined);
      }
    }
  };

  return {
    type: 'nats',

    async start() {
      if (nc !== null) throw new ConnectorError('STATE', 'nats sink already started');
      const opts = { ...natsConnectOptions(config, deps.clientName ?? `walcast-${deps.subjectsPrefix}`), pingInterval: Math.min(MAX_PING_MS, Math.max(MIN_PING_MS, deps.pingIntervalMs ?? NATS_PING_MS)), maxPingOut: MAX_PINGS_OUT };
      try {
        nc = await connect(opts);
      } catch (e) {
        // Wrong credentials or a certificate problem: retrying cannot help.
        const tls = tlsCertificateProblem(e);
        const hint = tls === null ? '' : ` (${tlsHint(tls, config)})`;
        throw new ConnectorError(tls !== null || isAuthError(e) ? 'SINK_SETUP' : 'SINK_CONNECT', `cannot connect to NATS ${config.servers.join(',')}: ${String((e as Error).message).trim()}${hint}`, {
          cause: e, context: { servers: config.servers.join(',') },
        });
      }
      const conn = nc;
      void watchStatus(conn).catch((e: unknown) => logger.debug({ err: String(e) }, 'nats status watcher ended'));
      void conn.closed().then((e) => {
        if (stopped) return;
        const err = new ConnectorError('SINK_SEND', `nats connection closed${e ? `: ${e.message}` : ''}`, { cause: e });
        logger.error({ err: err.message }, 'nats connection closed unexpectedly');
        window?.abort(err);
        publisher?.failAll(err);
        for (const l of failureListeners) l(err);
      });
      try {
        jsm = await jetstreamManager(conn, { timeout: ackTimeoutMs });
        await prepareStream(jsm, config, deps.subjectsPrefix, logger);
      } catch (e) {
        stopped = true; // a failed start leaves nothing open
        await conn.close();
        if (e instanceof ConnectorError) throw e;
        throw new ConnectorError('SINK_SETUP', `JetStream unavailable on ${config.servers.join(',')}: ${(e as Error).message}`, { cause: e });
      }
      publisher = new JetStreamPublisher(conn, ackTimeoutMs);
      window = new PublishWindow<SinkRecord>({
        maxInFlight: config.maxInFlight,
        retry: deps.retry ?? DEFAULT_RETRY,
        logger,
        send: sendOne,
        isRetriable: isRetriableNatsError,
        describe: (r) => ({ subject: r.topic, id: r.id }),
      });
      logger.info({ servers: config.servers.join(','), maxInFlight: config.maxInFlight }, 'nats sink started');
    },

    onFailure(listener) {
      failureListeners.push(listener);
    },

    async ensureTopics(subjects) {
      if (jsm === null) throw new ConnectorError('STATE', 'nats sink not started');
      await checkSubjectsCovered(jsm, config, subjects, logger);
    },

    publish(records) {
      if (window === null || stopped) return Promise.reject(new ConnectorError('STATE', 'nats sink not started or stopped'));
      // Tombstones are skipped (see the file comment) and count as delivered.
      const toSend = records.filter((r) => r.value !== null);
      return window.submit(toSend);
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      const w = window;
      if (w !== null) {
        // Best effort: give in-flight publishes one ack timeout to finish, then fail the rest.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([w.whenIdle(), new Promise<void>((r) => { timer = setTimeout(r, ackTimeoutMs); })]);
        clearTimeout(timer);
        const err = new ConnectorError('SINK_SEND', 'nats sink stopped before these records were acked');
        w.abort(err);
        publisher?.failAll(err);
      }
      if (nc !== null && !nc.isClosed()) {
        const conn = nc;
        // drain() waits for the server; while it is down close instead.
        let timer: NodeJS.Timeout | undefined;
        const drained = conn.drain().then(() => true, (e: unknown) => { logger.debug({ err: String(e) }, 'nats drain failed'); return false; });
        const ok = await Promise.race([drained, new Promise<boolean>((r) => { timer = setTimeout(() => r(false), ackTimeoutMs); })]);
        clearTimeout(timer);
        if (!ok && !conn.isClosed()) await conn.close();
      }
      logger.info({}, 'nats sink stopped');
    },
  };
}

function tlsHint(problem: 'server-untrusted' | 'client-refused', config: NatsOptions): string {
  if (problem === 'server-untrusted') {
    return `sink.nats.tlsCaFile must name the CA that signed the server's certificate${config.tlsCaFile === '' ? '; it is not set' : ''}`;
  }
  return config.tlsCertFile === ''
    ? 'the server wants a client certificate: set sink.nats.tlsCertFile and tlsKeyFile'
    : 'the client certificate (sink.nats.tlsCertFile, tlsKeyFile) was refused: a matching pair, signed by a CA the server trusts?';
}

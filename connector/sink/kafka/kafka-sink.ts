/**
 * The Kafka sink (@platformatic/kafka): idempotent producer, acks=-1, the Java client's murmur2
 * key partitioning, one ordered batch in flight (send-queue.ts), topics ensured before their
 * first record.
 *
 * Lifecycle (a call in the wrong state is a STATE error):
 *   new -> starting -> running -> stopping -> stopped;  starting -> stopped when connect fails.
 * A failed send does not change the state but latches the queue: every later publish() rejects
 * with that error until the sink is stopped and recreated.
 *
 * Idle probe: Kafka keeps no connection to watch between produce requests, so on a quiet
 * database an outage would show only at the next change. While nothing has been sent for
 * `idleProbeMs`, the sink asks the brokers for metadata; when that fails (after the client's
 * retries) the queue latches and onFailure's listeners hear it: the session ends, readiness
 * goes 503 and the supervisor reconnects with backoff, as for a NATS connection that closed.
 *
 * Exactly-once (deps.exactlyOnce, transactions.ts): the same queue with checkpoints: each batch
 * is cut at PostgreSQL transaction (or snapshot batch) boundaries and sent inside a Kafka
 * transaction, committed with an offset record; a failed or fenced commit latches the queue
 * the same way (fenced: SINK_FENCED, which the supervisor does not retry).
 */
import { Admin, type Producer, type MessageToProduce } from '@platformatic/kafka';
import type { KafkaOptions } from './options';
import { ConnectorError } from '../../errors';
import { formatLsn } from '../../protocol/lsn';
import type { Logger } from '../../observe/logger';
import type { Sink } from '../port';
import type { CommittedOffset, SinkCheckpoint, SinkRecord } from '../../model/record';
import { DEFAULT_KAFKA_RETRY, RECORD_FRAMING_BYTES, clientOptions, produceBatchBytes, producerOptions, type KafkaRetryPolicy } from './client-options';
import { describeError as describe, isFenced, isInvalidTransactionTimeout, isPermanent, isTooLarge } from './client-errors';
import { newReadStats } from './committed-reader';
import { type ExactlyOnceOptions, initTransactions, readCommittedOffset, Transactions } from './transactions';
import { logBrokerEvents } from './log-adapter';
import type { RegistryOptions } from './avro/registry';
import { createRecordFormat, type RecordFormat } from './record-format';
import { RecordHeaders } from './record-headers';
import { FastProducer } from './produce-request';
import { SendQueue } from './send-queue';
import { ensureOffsetsTopic, ensureTopicsExist } from './topics';

export interface KafkaSinkDeps {
  readonly logger: Logger;
  /** Backoff for connects and sends (tests inject a fast one). Default ~21 s of retries. */
  readonly retry?: KafkaRetryPolicy;
  /** Upper bound for one batch, retries included. Default max(35 s, requestTimeoutMs + 5 s). */
  readonly deliveryTimeoutMs?: number;
  /** How long stop() waits for in-flight records. Default 5 s. */
  readonly stopFlushTimeoutMs?: number;
  /** Schema registry retries and timeout of format avro (tests inject fast ones). */
  readonly registry?: RegistryOptions;
  /** Exactly-once: transactions with an offset record (sink.kafka.exactlyOnce). */
  readonly exactlyOnce?: ExactlyOnceOptions;
  /** After this long without a send, the brokers are asked for metadata (see above). Default IDLE_PROBE_MS (the connector passes source.heartbeatMs); 0: never. */
  readonly idleProbeMs?: number;
}

export const IDLE_PROBE_MS = 10_000;

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  new: ['starting', 'stopped'],
  starting: ['running', 'stopped'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

interface Clients {
  readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly admin: Admin;
  readonly unsubscribe: () => void;
  readonly transactions: Transactions | null;
}

/** What to do about MESSAGE_TOO_LARGE: a batch of several records can be cut smaller, one record cannot. */
function tooLargeHint(records: number): string {
  return records > 1
    ? ' (the record batch is over the topic\'s max.message.bytes: lower sink.kafka.batchMaxBytes below it, or raise the topic\'s max.message.bytes)'
    : ' (this one record is over the topic\'s max.message.bytes: raise it on the topic, or leave the column out, e.g. with envelope.columnExclude)';
}

export function createKafkaSink(config: KafkaOptions, deps: KafkaSinkDeps): Sink {
  const logger = deps.logger;
  const retry = deps.retry ?? DEFAULT_KAFKA_RETRY;
  const knownTopics = new Set<string>();
  const headers = new RecordHeaders();
  let state: State = 'new';
  let clients: Clients | undefined;
  let format: RecordFormat | undefined;
  const failureListeners: ((error: ConnectorError) => void)[] = [];
  /** Sends begun, and their count at the last probe tick: equal means nothing was sent for a whole interval. */
  let sends = 0;
  let sendsAtLastTick = 0;
  let probeTimer: NodeJS.Timeout | undefined;
  let probing = false;

  const to = (next: State): void => {
    if (!TRANSITIONS[state].includes(next)) {
      throw new ConnectorError('STATE', `kafka sink: cannot go from ${state} to ${next}`, { context: { state } });
    }
    logger.debug({ from: state, to: next }, 'kafka sink state');
    state = next;
  };
  const running = (op: string): Clients => {
    if (state !== 'running' || !clients) {
      throw new ConnectorError('STATE', `kafka sink: ${op} called while ${state}`, { context: { state } });
    }
    return clients;
  };

  // Also used by the sender while stopping (flushing), hence not via running().
  const ensureKnown = async ({ admin, producer }: Clients, topics: readonly string[]): Promise<void> => {
    const unknown = [...new Set(topics)].filter((t) => !knownTopics.has(t));
    if (unknown.length === 0) return;
    const created = await ensureTopicsExist({ admin, metadata: (o) => producer.metadata(o) }, unknown, config);
    if (created.length > 0) {
      logger.info({ topics: created, partitions: config.partitions, replicationFactor: config.replicationFactor }, 'created Kafka topics');
    }
    for (const t of unknown) knownTopics.add(t);
  };
  const ensureTopics = (topics: readonly string[]): Promise<void> => {
    try {
      return ensureKnown(running('ensureTopics'), topics);
    } catch (e) {
      return Promise.reject(e);
    }
  };

  const eos = deps.exactlyOnce;
  const queue = new SendQueue<SinkRecord, SinkCheckpoint>({
    maxBatchRecords: config.batchMaxRecords,
    maxBatchBytes: produceBatchBytes(config),
    sizeOf: (r) => RECORD_FRAMING_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0) + headers.bytes(r.headers, r.id),
    checkpoints: eos !== undefined,
    deliveryTimeoutMs: deps.deliveryTimeoutMs ?? Math.max(35_000, config.requestTimeoutMs + 5_000),
    send: async (batch, checkpoint) => {
      if (!clients) throw new ConnectorError('STATE', `kafka sink: sending while ${state}`, { context: { state } });
      sends++;
      const encoded = format?.serialize ? await format.serialize(batch) : batch;
      const topics = new Set<string>();
      const messages = new Array<Message>(encoded.length);
      let lastTopic: string | undefined;
      for (let i = 0; i < encoded.length; i++) {
        const r = encoded[i]!;
        // Records come in runs of one table: one Set lookup per run, not per record.
        if (r.topic !== lastTopic) topics.add(lastTopic = r.topic);
        messages[i] = { topic: r.topic, key: r.key ?? undefined, value: r.value ?? undefined, headers: headers.toMap(r.headers), metadata: headers.idBytes(r.id) };
      }
      await ensureKnown(clients, [...topics]);
      if (clients.transactions) await clients.transactions.send(messages, checkpoint);
      else await clients.producer.send({ messages });
    },
    toError: (cause, batch, timedOut) => {
      if (cause instanceof ConnectorError) {
        // The Avro serializer's failures (schema registry, a value that does not fit its schema).
        if (cause.code === 'SINK_SEND') logger.error({ err: cause, firstId: batch[0]?.id }, 'Kafka records could not be serialized; sink stops accepting records');
        return cause;
      }
      if (eos && isFenced(cause)) {
        // Said once, by the session and the supervisor that stops on it; not logged here too.
        return new ConnectorError('SINK_FENCED',
          `Kafka fenced this producer: another producer initialised transactional.id "${eos.transactionalId}" (a second walcast instance for this connector, `
          + 'e.g. after this one lost its slot ownership, or a transaction that outlived the transaction timeout); this instance stops writing and does not retry',
          { cause, context: { transactionalId: eos.transactionalId } });
      }
      const topics = [...new Set(batch.map((r) => r.topic))].join(',');
      const err = new ConnectorError(
        'SINK_SEND',
        `Kafka did not acknowledge ${batch.length} record(s) for ${topics}: ${describe(cause)}${isTooLarge(cause) ? tooLargeHint(batch.length) : ''}`,
        { cause, retriable: !isPermanent(cause), context: { topic: topics, records: batch.length, timedOut } },
      );
      logger.error({ err, topic: topics, firstId: batch[0]?.id }, 'Kafka send failed; sink stops accepting records');
      return err;
    },
  });

  /** Per probe tick: one metadata request when nothing was sent since the last tick; its failure ends the sink's use. */
  const probe = async (): Promise<void> => {
    const sentSince = sends !== sendsAtLastTick;
    sendsAtLastTick = sends;
    if (sentSince || probing || state !== 'running' || !clients || queue.failed || queue.pending > 0) return;
    probing = true;
    const { producer } = clients;
    const sendsBefore = sends;
    try {
      await producer.metadata({ topics: [], forceUpdate: true });
    } catch (e) {
      // A send that began meanwhile decides by its own ack or delivery timeout: failing the
      // queue now could reject a batch the broker still acknowledges.
      if (state !== 'running' || queue.failed || sends !== sendsBefore) return;
      const err = new ConnectorError('SINK_CONNECT', `Kafka ${config.brokers.join(',')} stopped answering while nothing was sent: ${describe(e)}`, {
        cause: e, retriable: true, context: { brokers: config.brokers.join(',') },
      });
      queue.fail(err);
      for (const l of failureListeners) l(err);
    } finally {
      probing = false;
    }
  };

  return {
    type: 'kafka',

    onFailure(listener) {
      failureListeners.push(listener);
    },

    async start(): Promise<void> {
      to('starting');
      // Exactly-once: what the offset read saw, logged with the offset it gives.
      const offsetRead = newReadStats();
      try {
        format = await createRecordFormat(config, deps.registry);
      } catch (e) {
        to('stopped');
        // The registry check says whether trying again can help (a registry still starting).
        throw new ConnectorError('SINK_CONNECT', `cannot set up the ${config.format} record format: ${describe(e)}`, {
          cause: e, retriable: e instanceof ConnectorError && e.retriable,
        });
      }
      const producer = new FastProducer(eos ? { ...producerOptions(config, retry), transactionalId: eos.transactionalId } : producerOptions(config, retry),
        { transactionTimeoutMs: eos ? config.transactionTimeoutMs : undefined });
      const admin = new Admin(clientOptions(config, retry));
      const clientLogger = logger.child({ component: 'kafka-client' });
      const unsubscribe = [logBrokerEvents(producer, clientLogger), logBrokerEvents(admin, clientLogger)];
      let started: Clients = { producer, admin, unsubscribe: () => unsubscribe.forEach((u) => u()), transactions: null };
      try {
        if (eos) {
          // InitProducerId with the transactional.id: fences every earlier producer of it and
          // aborts a transaction one left open, so the offsets read next are final.
          await initTransactions(producer);
          // The offsets topic is the state store's; a sink may start before the store wrote.
          await ensureOffsetsTopic({ admin, metadata: (o) => admin.metadata(o) }, eos.offsetsTopic, config);
          const committed = await readCommittedOffset(clientOptions(config, retry), eos, 60_000, offsetRead);
          started = { ...started, transactions: new Transactions(producer, eos, committed) };
        } else {
          // The client connects lazily; getting a producer id proves the brokers answer, the
          // credentials work and the principal may write idempotently (IDEMPOTENT_WRITE).
          await producer.initIdempotentProducer({});
        }
      } catch (e) {
        to('stopped');
        format.close();
        await closeClients(started);
        const hint = isInvalidTransactionTimeout(e)
          ? ` (sink.kafka.transactionTimeoutMs ${config.transactionTimeoutMs} is above the broker's transaction.max.timeout.ms: lower it, or raise that broker setting)`
          : '';
        throw new ConnectorError('SINK_CONNECT', `cannot connect to Kafka ${config.brokers.join(',')}: ${describe(e)}${hint}`, {
          cause: e,
          retriable: !isPermanent(e),
          context: { brokers: config.brokers.join(',') },
        });
      }
      clients = started;
      to('running');
      const interval = deps.idleProbeMs ?? IDLE_PROBE_MS;
      if (interval > 0) {
        probeTimer = setInterval(() => void probe(), interval);
        probeTimer.unref();
      }
      const committed = started.transactions?.committed;
      logger.info({
        brokers: config.brokers, clientId: config.clientId, producerId: String(producer.producerId),
        ...(eos ? {
          transactionalId: eos.transactionalId, producerEpoch: producer.producerEpoch, committedLsn: committed ? formatLsn(committed.commitLsn) : null, offsetRead,
        } : {}),
      }, eos ? 'connected to Kafka (exactly-once: earlier producers of this transactional.id fenced)' : 'connected to Kafka');
    },

    ...(eos ? {
      committedOffset: (): CommittedOffset | null => clients?.transactions?.committed ?? null,
      committedSnapshot: (): Readonly<Record<string, unknown>> | null => clients?.transactions?.committedSnapshot ?? null,
    } : {}),

    ensureTopics,

    publish(records: readonly SinkRecord[], checkpoint?: SinkCheckpoint): Promise<void> {
      if (state === 'stopping' || state === 'stopped') {
        return Promise.reject(new ConnectorError('SINK_SEND', `kafka sink is ${state}`, { context: { state } }));
      }
      try {
        running('publish');
      } catch (e) {
        return Promise.reject(e);
      }
      return queue.enqueue(records, checkpoint);
    },

    async stop(): Promise<void> {
      if (state === 'stopped' || state === 'stopping') return;
      clearInterval(probeTimer);
      if (state !== 'running') {
        to('stopped');
        return;
      }
      to('stopping');
      const flushed = await queue.whenIdle(deps.stopFlushTimeoutMs ?? 5_000);
      if (!flushed) logger.warn({ pending: queue.pending }, 'kafka sink stopped with records not acknowledged');
      queue.fail(new ConnectorError('SINK_SEND', 'kafka sink stopped before these records were acknowledged'));
      // Records sent in a transaction not committed yet: abort it (the next producer would).
      await clients?.transactions?.abort();
      const closing = clients;
      clients = undefined;
      format?.close();
      // Closing waits for in-flight requests; a broker that went away mid-request must not hold
      // a stop (SIGTERM, a session restart) forever.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), deps.stopFlushTimeoutMs ?? 5_000); });
      const outcome = closing ? await Promise.race([closeClients(closing), timedOut]) : [];
      clearTimeout(timer);
      if (outcome === 'timeout') logger.warn({}, 'kafka client close did not finish in time; abandoning the connections');
      else for (const err of outcome) logger.warn({ err }, 'kafka client close failed');
      to('stopped');
    },
  };
}

/** Closes both clients; resolves with the errors (never rejects). */
async function closeClients(c: Clients): Promise<unknown[]> {
  c.unsubscribe();
  const results = await Promise.allSettled([c.producer.close(true), c.admin.close()]);
  return results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
}

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
 * Exactly-once (transactions) would sit in `send` below: the same queue, with each batch cut at
 * PostgreSQL transaction boundaries and sent as producer.beginTransaction() -> send -> offset
 * record -> commit(); a failed or fenced commit latches the queue the same way.
 */
import { Admin, Producer, type MessageToProduce } from '@platformatic/kafka';
import type { KafkaConfig } from '../../../config/types';
import { ConnectorError } from '../../errors';
import type { Logger } from '../../observe/logger';
import type { Sink, SinkRecord } from '../port';
import { DEFAULT_KAFKA_RETRY, clientOptions, producerOptions, type KafkaRetryPolicy } from './client-options';
import { describeError as describe, isPermanent } from './client-errors';
import { logBrokerEvents } from './log-adapter';
import type { RegistryOptions } from './avro/registry';
import { createRecordFormat, type RecordFormat } from './record-format';
import { SendQueue } from './send-queue';
import { ensureTopicsExist } from './topics';

/** Kafka header carrying the record's deterministic id `<commit_lsn>:<index in txn>`. */
export const ID_HEADER = 'walcast.id';

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
}

type Message = MessageToProduce<Buffer, Buffer, string, string>;

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  new: ['starting', 'stopped'],
  starting: ['running', 'stopped'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

interface Clients {
  readonly producer: Producer<Buffer, Buffer, string, string>;
  readonly admin: Admin;
  readonly unsubscribe: () => void;
}

export function createKafkaSink(config: KafkaConfig, deps: KafkaSinkDeps): Sink {
  const logger = deps.logger;
  const retry = deps.retry ?? DEFAULT_KAFKA_RETRY;
  const knownTopics = new Set<string>();
  let state: State = 'new';
  let clients: Clients | undefined;
  let format: RecordFormat | undefined;

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

  const queue = new SendQueue<SinkRecord>({
    maxBatchRecords: config.batchMaxRecords,
    deliveryTimeoutMs: deps.deliveryTimeoutMs ?? Math.max(35_000, config.requestTimeoutMs + 5_000),
    send: async (batch) => {
      if (!clients) throw new ConnectorError('STATE', `kafka sink: sending while ${state}`, { context: { state } });
      const topics = new Set<string>();
      const encoded = format?.serialize ? await format.serialize(batch) : batch;
      const messages = encoded.map((r) => {
        topics.add(r.topic);
        return toMessage(r);
      });
      await ensureKnown(clients, [...topics]);
      await clients.producer.send({ messages });
    },
    toError: (cause, batch, timedOut) => {
      if (cause instanceof ConnectorError) {
        // The Avro serializer's failures (schema registry, a value that does not fit its schema).
        if (cause.code === 'SINK_SEND') logger.error({ err: cause, firstId: batch[0]?.id }, 'Kafka records could not be serialized; sink stops accepting records');
        return cause;
      }
      const topics = [...new Set(batch.map((r) => r.topic))].join(',');
      const err = new ConnectorError(
        'SINK_SEND',
        `Kafka did not acknowledge ${batch.length} record(s) for ${topics}: ${describe(cause)}`,
        { cause, retriable: !isPermanent(cause), context: { topic: topics, records: batch.length, timedOut } },
      );
      logger.error({ err, topic: topics, firstId: batch[0]?.id }, 'Kafka send failed; sink stops accepting records');
      return err;
    },
  });

  return {
    type: 'kafka',

    async start(): Promise<void> {
      to('starting');
      try {
        format = await createRecordFormat(config, deps.registry);
      } catch (e) {
        to('stopped');
        // The registry check says whether trying again can help (a registry still starting).
        throw new ConnectorError('SINK_CONNECT', `cannot set up the ${config.format} record format: ${describe(e)}`, {
          cause: e, retriable: e instanceof ConnectorError && e.retriable,
        });
      }
      const producer = new Producer(producerOptions(config, retry));
      const admin = new Admin(clientOptions(config, retry));
      const clientLogger = logger.child({ component: 'kafka-client' });
      const unsubscribe = [logBrokerEvents(producer, clientLogger), logBrokerEvents(admin, clientLogger)];
      const started: Clients = { producer, admin, unsubscribe: () => unsubscribe.forEach((u) => u()) };
      try {
        // The client connects lazily; getting a producer id proves the brokers answer, the
        // credentials work and the principal may write idempotently (IDEMPOTENT_WRITE).
        await producer.initIdempotentProducer({});
      } catch (e) {
        to('stopped');
        format.close();
        await closeClients(started);
        throw new ConnectorError('SINK_CONNECT', `cannot connect to Kafka ${config.brokers.join(',')}: ${describe(e)}`, {
          cause: e,
          retriable: !isPermanent(e),
          context: { brokers: config.brokers.join(',') },
        });
      }
      clients = started;
      to('running');
      logger.info({ brokers: config.brokers, clientId: config.clientId, producerId: String(producer.producerId) }, 'connected to Kafka');
    },

    ensureTopics,

    publish(records: readonly SinkRecord[]): Promise<void> {
      if (state === 'stopping' || state === 'stopped') {
        return Promise.reject(new ConnectorError('SINK_SEND', `kafka sink is ${state}`, { context: { state } }));
      }
      try {
        running('publish');
      } catch (e) {
        return Promise.reject(e);
      }
      return queue.enqueue(records);
    },

    async stop(): Promise<void> {
      if (state === 'stopped' || state === 'stopping') return;
      if (state !== 'running') {
        to('stopped');
        return;
      }
      to('stopping');
      const flushed = await queue.whenIdle(deps.stopFlushTimeoutMs ?? 5_000);
      if (!flushed) logger.warn({ pending: queue.pending }, 'kafka sink stopped with records not acknowledged');
      queue.fail(new ConnectorError('SINK_SEND', 'kafka sink stopped before these records were acknowledged'));
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

function toMessage(r: SinkRecord): Message {
  const headers = new Map<string, string>();
  const extra = r.headers;
  // for..in, not Object.entries: no array per record (the records' header objects are plain).
  if (extra) for (const name in extra) headers.set(name, extra[name]!);
  // The id header goes last so a record header cannot replace it.
  headers.set(ID_HEADER, r.id);
  return { topic: r.topic, key: r.key ?? undefined, value: r.value ?? undefined, headers };
}

/** Closes both clients; resolves with the errors (never rejects). */
async function closeClients(c: Clients): Promise<unknown[]> {
  c.unsubscribe();
  const results = await Promise.allSettled([c.producer.close(true), c.admin.close()]);
  return results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
}

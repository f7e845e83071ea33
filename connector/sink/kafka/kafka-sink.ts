/**
 * The Kafka sink (kafkajs): idempotent producer, acks=all, murmur2 key partitioning, one
 * ordered batch in flight (send-queue.ts), topics ensured before their first record.
 *
 * Lifecycle (a call in the wrong state is a STATE error):
 *   new -> starting -> running -> stopping -> stopped;  starting -> stopped when connect fails.
 * A failed send does not change the state but latches the queue: every later publish() rejects
 * with that error until the sink is stopped and recreated.
 */
import { Kafka, type Admin, type Message, type Producer } from 'kafkajs';
import type { KafkaConfig } from '../../../config/types';
import { ConnectorError } from '../../errors';
import type { Logger } from '../../observe/logger';
import type { Sink, SinkRecord } from '../port';
import { DEFAULT_KAFKA_RETRY, clientOptions, compressionType, producerOptions, type KafkaRetryPolicy } from './client-options';
import { kafkaLogLevel, logCreatorFor, type KafkaClientLogLevel } from './log-adapter';
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
  /** kafkajs' own log level. Default warn. */
  readonly clientLogLevel?: KafkaClientLogLevel;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  new: ['starting', 'stopped'],
  starting: ['running', 'stopped'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

interface Clients {
  readonly producer: Producer;
  readonly admin: Admin;
}

export function createKafkaSink(config: KafkaConfig, deps: KafkaSinkDeps): Sink {
  const logger = deps.logger;
  const retry = deps.retry ?? DEFAULT_KAFKA_RETRY;
  const compression = compressionType(config);
  const knownTopics = new Set<string>();
  let state: State = 'new';
  let clients: Clients | undefined;

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
  const ensureKnown = async (admin: Admin, topics: readonly string[]): Promise<void> => {
    const unknown = [...new Set(topics)].filter((t) => !knownTopics.has(t));
    if (unknown.length === 0) return;
    const created = await ensureTopicsExist(admin, unknown, config);
    if (created.length > 0) {
      logger.info({ topics: created, partitions: config.partitions, replicationFactor: config.replicationFactor }, 'created Kafka topics');
    }
    for (const t of unknown) knownTopics.add(t);
  };
  const ensureTopics = (topics: readonly string[]): Promise<void> => {
    try {
      return ensureKnown(running('ensureTopics').admin, topics);
    } catch (e) {
      return Promise.reject(e);
    }
  };

  const queue = new SendQueue<SinkRecord>({
    maxBatchRecords: config.batchMaxRecords,
    deliveryTimeoutMs: deps.deliveryTimeoutMs ?? Math.max(35_000, config.requestTimeoutMs + 5_000),
    send: async (batch) => {
      if (!clients) throw new ConnectorError('STATE', `kafka sink: sending while ${state}`, { context: { state } });
      const { producer, admin } = clients;
      const byTopic = new Map<string, Message[]>();
      for (const r of batch) {
        let messages = byTopic.get(r.topic);
        if (!messages) byTopic.set(r.topic, (messages = []));
        messages.push(toMessage(r));
      }
      await ensureKnown(admin, [...byTopic.keys()]);
      await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1,
        timeout: config.requestTimeoutMs,
        compression,
      });
    },
    toError: (cause, batch, timedOut) => {
      if (cause instanceof ConnectorError) return cause;
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
      const kafka = new Kafka({
        ...clientOptions(config, retry),
        logLevel: kafkaLogLevel(deps.clientLogLevel ?? 'warn'),
        logCreator: logCreatorFor(logger.child({ component: 'kafkajs' })),
      });
      const producer = kafka.producer(producerOptions(retry));
      const admin = kafka.admin({ retry: producerOptions(retry).retry });
      try {
        await producer.connect();
        await admin.connect();
      } catch (e) {
        to('stopped');
        await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
        throw new ConnectorError('SINK_CONNECT', `cannot connect to Kafka ${config.brokers.join(',')}: ${describe(e)}`, {
          cause: e,
          context: { brokers: config.brokers.join(',') },
        });
      }
      clients = { producer, admin };
      to('running');
      logger.info({ brokers: config.brokers, clientId: config.clientId }, 'connected to Kafka');
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
      const { producer, admin } = clients ?? {};
      clients = undefined;
      // kafkajs' disconnect can wait forever on a broker that went away mid-request; a stop
      // (SIGTERM, a session restart) must not.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), deps.stopFlushTimeoutMs ?? 5_000); });
      const outcome = await Promise.race([Promise.allSettled([producer?.disconnect(), admin?.disconnect()]), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') logger.warn({}, 'kafka disconnect did not finish in time; abandoning the connections');
      else for (const r of outcome) if (r.status === 'rejected') logger.warn({ err: r.reason }, 'kafka disconnect failed');
      to('stopped');
    },
  };
}

function toMessage(r: SinkRecord): Message {
  // The id header goes last so a record header cannot replace it.
  return { key: r.key, value: r.value, headers: { ...r.headers, [ID_HEADER]: r.id } };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A broker answer that retrying cannot change (authorization, message too large, ...): kafkajs
 * marks such protocol errors `retriable: false`. Connection errors and exhausted retries stay
 * retriable: the pipeline restarts and tries again.
 */
function isPermanent(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && cur instanceof Error; depth++) {
    if (cur.name === 'KafkaJSProtocolError') return (cur as { retriable?: boolean }).retriable === false;
    cur = (cur as { cause?: unknown }).cause ?? (cur as { originalError?: unknown }).originalError;
  }
  return false;
}

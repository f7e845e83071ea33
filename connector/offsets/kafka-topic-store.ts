/**
 * Connector state in a compacted Kafka topic (`offsets.topic`, one partition, keyed by connector
 * name), beside the data: a lost local disk or a second pod reads the same truth.
 *
 * - read: the first read consumes the topic from the beginning up to its last stable offset as
 *   of that moment, read_committed (the last record of our key wins; a tombstone means "no
 *   state") and keeps the result; later
 *   reads return what this store last read or wrote. That is sound because only the slot's owner
 *   writes (the advisory lock), and a new owner starts with a new store.
 * - write: an idempotent produce with acks=-1 to partition 0; durable when it resolves.
 * - clear: a tombstone.
 * The topic is created when missing: one partition, `cleanup.policy=compact`, the sink's
 * replication factor.
 */
import { Admin, Producer } from '@platformatic/kafka';
import type { KafkaOptions } from '../sink/kafka/options';
import { ConnectorError } from '../errors';
import { DEFAULT_KAFKA_RETRY, clientOptions, producerOptions } from '../sink/kafka/client-options';
import { describeError } from '../sink/kafka/client-errors';
import { readLastValue } from '../sink/kafka/committed-reader';
import { FastProducer } from '../sink/kafka/produce-request';
import { initTransactions } from '../sink/kafka/transactions';
import { ensureOffsetsTopic } from '../sink/kafka/topics';
import { type ConnectorState, parseState, type StateStore } from './state-store';

export interface KafkaTopicStoreOptions {
  readonly kafka: KafkaOptions;
  readonly topic: string;
  /** The key: the connector name. */
  readonly name: string;
  /** How long the first read may go without progress. Default 60 s. */
  readonly readTimeoutMs?: number;
  /** Exactly-once: the sink's transactional.id, fenced before the first read. */
  readonly transactionalId?: string;
}

export class KafkaTopicStateStore implements StateStore {
  readonly location: string;
  private producer: Producer<Buffer, Buffer, Buffer, Buffer> | null = null;
  private loaded = false;
  private current: ConnectorState | null = null;
  private topicReady = false;

  constructor(private readonly options: KafkaTopicStoreOptions) {
    this.location = `Kafka topic "${options.topic}" key "${options.name}"`;
  }

  async read(): Promise<ConnectorState | null> {
    if (this.loaded) return this.current;
    await this.ensureTopic();
    const text = await this.call('read', () => this.lastValue());
    this.current = text === null ? null : parseState(text, this.location);
    this.loaded = true;
    return this.current;
  }

  async write(state: ConnectorState): Promise<void> {
    await this.send(Buffer.from(JSON.stringify(state)));
    this.current = state;
    this.loaded = true;
  }

  async clear(): Promise<void> {
    await this.send(undefined);
    this.current = null;
    this.loaded = true;
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    await p?.close().catch(() => undefined);
  }

  private async send(value: Buffer | undefined): Promise<void> {
    await this.ensureTopic();
    await this.call('write', async () => {
      this.producer ??= new Producer({ ...producerOptions(this.options.kafka, DEFAULT_KAFKA_RETRY), clientId: `${this.options.kafka.clientId}-state`, compression: 'none' });
      await this.producer.send({ messages: [{ topic: this.options.topic, partition: 0, key: Buffer.from(this.options.name), value }] });
    });
  }

  private async ensureTopic(): Promise<void> {
    if (this.topicReady) return;
    const k = this.options.kafka;
    const admin = new Admin(clientOptions(k, DEFAULT_KAFKA_RETRY));
    try {
      await ensureOffsetsTopic({ admin, metadata: (o) => admin.metadata(o) }, this.options.topic, k);
      this.topicReady = true;
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  /**
   * The value of the last committed record of our key up to the topic's last stable offset
   * now; null when none or a tombstone. With exactly-once the sink's transactions write the
   * offset record here too, so the topic holds transaction markers and aborted records: it is
   * read as read_committed (committed-reader.ts), after fencing the transactional.id so a
   * transaction a killed instance left open is aborted instead of holding the stable offset back.
   */
  private async lastValue(): Promise<string | null> {
    const k = this.options.kafka;
    if (this.options.transactionalId) await this.fence(this.options.transactionalId);
    const last = await readLastValue({ ...clientOptions(k, DEFAULT_KAFKA_RETRY), clientId: `${k.clientId}-state-reader` },
      this.options.topic, this.options.name, this.options.readTimeoutMs ?? 60_000);
    return last === null ? null : last.toString();
  }

  /** InitProducerId for `transactionalId`: the broker aborts its open transaction and fences its producer. */
  private async fence(transactionalId: string): Promise<void> {
    const k = this.options.kafka;
    // The same transaction timeout as the sink's producer (a request timeout above the broker's
    // transaction.max.timeout.ms would otherwise fail this InitProducerId).
    const producer = new FastProducer({ ...producerOptions(k, DEFAULT_KAFKA_RETRY), clientId: `${k.clientId}-state-fence`, transactionalId },
      { transactionTimeoutMs: k.transactionTimeoutMs });
    try {
      await initTransactions(producer);
    } finally {
      await producer.close().catch(() => undefined);
    }
  }

  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (e instanceof ConnectorError) throw e;
      await this.close();
      throw new ConnectorError('SINK_CONNECT', `cannot ${what} ${this.location}: ${describeError(e)}`, { cause: e });
    }
  }
}

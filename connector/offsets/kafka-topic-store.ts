/**
 * Connector state in a compacted Kafka topic (`offsets.topic`, one partition, keyed by connector
 * name), beside the data: a lost local disk or a second pod reads the same truth.
 *
 * - read: the first read consumes the topic from the beginning up to its end as of that moment
 *   (the last record of our key wins; a tombstone means "no state") and keeps the result; later
 *   reads return what this store last read or wrote. That is sound because only the slot's owner
 *   writes (the advisory lock), and a new owner starts with a new store.
 * - write: an idempotent produce with acks=-1 to partition 0; durable when it resolves.
 * - clear: a tombstone.
 * The topic is created when missing: one partition, `cleanup.policy=compact`, the sink's
 * replication factor.
 */
import { Admin, Consumer, MessagesStreamModes, Producer } from '@platformatic/kafka';
import type { KafkaConfig } from '../../config/types';
import { ConnectorError } from '../errors';
import { DEFAULT_KAFKA_RETRY, clientOptions, producerOptions } from '../sink/kafka/client-options';
import { describeError } from '../sink/kafka/client-errors';
import { ensureTopicsExist } from '../sink/kafka/topics';
import { type ConnectorState, parseState, type StateStore } from './state-store';

export interface KafkaTopicStoreOptions {
  readonly kafka: KafkaConfig;
  readonly topic: string;
  /** The key: the connector name. */
  readonly name: string;
  /** How long the first read may take (topic creation, group join, reading). Default 60 s. */
  readonly readTimeoutMs?: number;
}

export class KafkaTopicStateStore implements StateStore {
  readonly location: string;
  private producer: Producer<Buffer, Buffer, string, string> | null = null;
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
      await ensureTopicsExist({ admin, metadata: (o) => admin.metadata(o) }, [this.options.topic], {
        createTopics: true, partitions: 1, replicationFactor: k.replicationFactor, requestTimeoutMs: k.requestTimeoutMs,
        topicConfig: ['cleanup.policy=compact'],
      });
      this.topicReady = true;
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  /** The value of the last record of our key up to the topic's end now; null when none or a tombstone. */
  private async lastValue(): Promise<string | null> {
    const k = this.options.kafka;
    const consumer = new Consumer<Buffer, Buffer, string, string>({
      ...clientOptions(k, DEFAULT_KAFKA_RETRY),
      clientId: `${k.clientId}-state-reader`,
      // A throwaway group: nothing is committed, every read starts at the beginning.
      groupId: `walcast-state-${this.options.name}-${process.pid}-${Date.now()}`,
      autocommit: false,
      maxWaitTime: 100,
    });
    try {
      const offsets = await consumer.listOffsets({ topics: [this.options.topic] });
      const end = offsets.get(this.options.topic)?.[0] ?? 0n;
      if (end === 0n) return null;
      const stream = await consumer.consume({ topics: [this.options.topic], mode: MessagesStreamModes.EARLIEST });
      let last: string | null = null;
      const deadline = setTimeout(() => { void stream.close(); }, this.options.readTimeoutMs ?? 60_000);
      let reached = false;
      try {
        for await (const m of stream) {
          if (m.key?.toString() === this.options.name) last = m.value && m.value.length > 0 ? m.value.toString() : null;
          if (m.offset + 1n >= end) { reached = true; break; }
        }
      } finally {
        clearTimeout(deadline);
        await stream.close().catch(() => undefined);
      }
      if (!reached) throw new Error(`did not reach offset ${end} of the state topic in time`);
      return last;
    } finally {
      await consumer.close(true).catch(() => undefined);
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

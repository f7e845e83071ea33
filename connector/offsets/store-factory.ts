/**
 * Picks where the connector state lives (`offsets.store`) and migrates a state file into a
 * broker store on first start: the file is imported when the broker holds nothing yet, then
 * renamed to `<file>.migrated` so nobody mistakes it for the live state.
 */
import { renameSync } from 'node:fs';
import type { Logger } from '../observe/logger';
import type { SinkOptions } from '../sink/options';
import type * as KafkaTopicStoreModule from './kafka-topic-store';
import { NatsKvStateStore } from './nats-kv-store';
import type { OffsetsOptions } from './options';
import { FileStateStore, type StateStore } from './state-store';

export interface ClosableStateStore extends StateStore {
  close(): Promise<void>;
}

/** What the state store reads of the configuration (a WalcastConfig is one). */
export interface StateStoreSetup {
  readonly name: string;
  readonly sink: SinkOptions;
  readonly offsets: OffsetsOptions;
}

/** Which store `offsets.store` selects for this sink. */
export function stateStoreKind(config: StateStoreSetup): 'file' | 'nats' | 'kafka' {
  if (config.offsets.store === 'file' || config.sink.type === 'stdout') return 'file';
  return config.sink.type;
}

export function createStateStore(config: StateStoreSetup, logger: Logger): ClosableStateStore {
  const file = new FileStateStore(config.offsets.stateDir, config.name);
  const kind = stateStoreKind(config);
  if (kind === 'file') return Object.assign(file, { close: async () => undefined });
  const broker = kind === 'kafka'
    ? new (kafkaTopicStore().KafkaTopicStateStore)({
      kafka: config.sink.kafka, topic: config.offsets.topic, name: config.name,
      transactionalId: config.sink.kafka.exactlyOnce ? config.sink.kafka.transactionalId : undefined,
    })
    : new NatsKvStateStore({ nats: config.sink.nats, bucket: config.offsets.bucket, name: config.name });
  return withMigration(broker, file, logger);
}

/**
 * The Kafka store's module, loaded when a Kafka store is made: @platformatic/kafka compiles its
 * protocol schemas as it is imported (see sink/factory.ts), which a NATS or file store need not pay.
 */
function kafkaTopicStore(): typeof KafkaTopicStoreModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./kafka-topic-store') as typeof KafkaTopicStoreModule;
}

/** The broker store, importing the file's state on the first read that finds the broker empty. */
function withMigration(broker: ClosableStateStore, file: FileStateStore, logger: Logger): ClosableStateStore {
  let checked = false;
  return {
    location: broker.location,
    read: async () => {
      const state = await broker.read();
      if (state !== null || checked) return state;
      checked = true;
      const local = await file.read();
      if (local === null) return null;
      await broker.write(local);
      renameSync(file.file, `${file.file}.migrated`);
      logger.info({ from: file.location, to: broker.location }, `migrated the connector state from ${file.location} to ${broker.location}`);
      return local;
    },
    write: (s) => broker.write(s),
    clear: () => broker.clear(),
    close: () => broker.close(),
  };
}

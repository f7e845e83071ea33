/**
 * The sink stage's options: the `sink` section of the configuration.
 * config/load.ts validates and freezes them; config/types.ts composes them into WalcastConfig.
 */
import type { KafkaOptions } from './kafka/options';
import type { NatsOptions } from './nats/options';

export type SinkType = 'kafka' | 'nats' | 'stdout';

export interface SinkOptions {
  readonly type: SinkType;
  readonly kafka: KafkaOptions;
  readonly nats: NatsOptions;
}

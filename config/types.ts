/**
 * The typed, frozen configuration. Produced by `config/load.ts` from the convict schema (JSON
 * file + WALCAST_* env); nothing else sees convict. Each stage declares its own options
 * (`connector/<stage>/options.ts`) and the slice of the configuration it reads; this file
 * composes them. Only pipeline/ and cli/ see the whole WalcastConfig.
 */
import type { EnvelopeOptions } from '../connector/envelope/options';
import type { OffsetsOptions } from '../connector/offsets/options';
import type { SinkOptions } from '../connector/sink/options';
import type { SnapshotOptions } from '../connector/snapshot/options';
import type { SourceOptions } from '../connector/source/options';

/** Debezium heartbeats: a record on `<topicPrefix of heartbeats>.<topicPrefix>` every intervalMs. */
export interface HeartbeatConfig {
  /** 0 disables heartbeat records (Debezium heartbeat.interval.ms). */
  readonly intervalMs: number;
  /** Debezium topic.heartbeat.prefix: the topic is `<topicPrefix>.<connector topicPrefix>`. */
  readonly topicPrefix: string;
  /** SQL run on the source at each heartbeat (Debezium heartbeat.action.query); empty: none. */
  readonly actionQuery: string;
}

export interface WalcastConfig {
  readonly name: string;
  readonly source: SourceOptions;
  readonly snapshot: SnapshotOptions;
  readonly sink: SinkOptions;
  /** Defaults to `name`. */
  readonly topicPrefix: string;
  readonly envelope: EnvelopeOptions;
  readonly heartbeat: HeartbeatConfig;
  readonly offsets: OffsetsOptions;
  readonly http: { readonly port: number };
  /** format auto: human-readable lines when stderr is a terminal, JSON otherwise. */
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error' | 'silent'; readonly format: 'auto' | 'json' | 'pretty' };
}

/**
 * Where the connector state lives: the `offsets` section of the configuration.
 * config/load.ts validates and freezes them; config/types.ts composes them into WalcastConfig.
 */
export interface OffsetsOptions {
  /**
   * Where the connector state (slot identity, snapshot progress and completion) lives: `broker`
   * beside the data (Kafka: compacted topic `offsets.topic`; NATS: key-value bucket
   * `offsets.bucket`), `file` in `stateDir`, `auto` = broker for kafka/nats sinks, file for stdout.
   */
  readonly store: 'auto' | 'file' | 'broker';
  /**
   * Directory of the connector's state file (`<name>.state.json`). Mount it on a volume in
   * containers. With a broker store, a file found here is migrated on first start.
   */
  readonly stateDir: string;
  /** Kafka: the compacted topic holding connector state, keyed by connector name. */
  readonly topic: string;
  /** NATS: the JetStream key-value bucket holding connector state, keyed by connector name. */
  readonly bucket: string;
}

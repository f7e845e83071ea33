/**
 * The source stage's options: the `source` section of the configuration.
 * config/load.ts validates and freezes them; config/types.ts composes them into WalcastConfig.
 */
export type Plugin = 'pgoutput' | 'wal2json';

export type PublicationMode = 'filtered' | 'all_tables' | 'disabled';

export interface SourceOptions {
  readonly url: string;
  readonly plugin: Plugin;
  readonly slot: string;
  readonly publication: string;
  readonly publicationMode: PublicationMode;
  /** `schema.table` patterns; `*` matches any run of characters within one part. */
  readonly tables: readonly string[];
  readonly excludeTables: readonly string[];
  /** Standby status update interval (keeps wal_sender_timeout from firing). */
  readonly heartbeatMs: number;
  /** Stop reading the replication socket above this many unacknowledged events; resume below half. */
  readonly maxInFlightEvents: number;
  /** Emit logical decoding messages (pg_logical_emit_message) as op 'm'. */
  readonly messages: boolean;
  /**
   * pgoutput on PostgreSQL 14+: have the server stream large transactions while they run
   * (proto_version 2, streaming on) instead of spilling them to its own disk until COMMIT.
   * walcast keeps them (memory, then local disk) and publishes at the commit. Ignored by wal2json.
   */
  readonly streamInProgress: boolean;
  /** Memory for streamed in-progress transactions, all together; beyond it they go to local disk. */
  readonly streamSpillMemoryBytes: number;
  /** Local disk for streamed in-progress transactions, all together; 0: no quota. Past it: SPILL_QUOTA. */
  readonly streamSpillMaxBytes: number;
  /** Backoff bounds when the slot is held by another process or the connection drops. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** How often walcast_lag_bytes is read from the server; 0 disables. */
  readonly lagPollMs: number;
}

/**
 * What the start checks (inspect.ts, preflight.ts) read: the source, the topic prefix (topic
 * collisions) and the snapshot mode (whether a lost slot may be recreated, whether a snapshot
 * is needed). A WalcastConfig is one.
 */
export interface SourceChecks {
  readonly source: SourceOptions;
  readonly topicPrefix: string;
  readonly snapshot: { readonly mode: string };
}

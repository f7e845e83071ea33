/**
 * The sink port: the only thing the pipeline knows about brokers. No Kafka or NATS client type
 * crosses it.
 */
import type { Lsn } from '../protocol/lsn';

export interface SinkRecord {
  /** Kafka topic or NATS subject, already sanitised: `<topicPrefix>.<schema>.<table>`. */
  readonly topic: string;
  /** Serialized key (JSON of the key columns); null when the table has no key. */
  readonly key: Buffer | null;
  /** Serialized envelope; null for a tombstone. */
  readonly value: Buffer | null;
  /** Deterministic id `<commit_lsn>:<index in txn>`, identical on redelivery. */
  readonly id: string;
  /** Extra headers (e.g. op). The sink adds the id header itself. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Exactly-once: the end of a unit the sink may commit (a Kafka transaction ends here, with an
 * offset record). Sinks without transactions ignore it.
 */
export interface SinkCheckpoint {
  /** The records end whole PostgreSQL transactions: the last one's positions. Absent for snapshot rows. */
  readonly lsn?: CommittedOffset;
  /**
   * Snapshot progress to commit with these records (JSON; the snapshot reader's format): read
   * back by the next start to resume an interrupted snapshot from its last committed chunk.
   */
  readonly snapshot?: Readonly<Record<string, unknown>>;
}

/** The stream position committed with the data (exactly-once). */
export interface CommittedOffset {
  /** Commit LSN of the last PostgreSQL transaction (or LSN of a non-transactional message). */
  readonly commitLsn: Lsn;
  /** End LSN of its commit record. */
  readonly endLsn: Lsn;
}

export interface Sink {
  readonly type: 'kafka' | 'nats' | 'stdout';
  /** Connect and verify/prepare the destination (create stream, check permissions). */
  start(): Promise<void>;
  /** Make sure these topics exist (created when missing, if the sink is configured to). */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /**
   * Publish records; resolves once the broker has acknowledged every one of them.
   * May be called again before an earlier call resolved: records of an earlier call are
   * ordered before those of a later call for the same topic and key.
   * Rejects with a ConnectorError (code SINK_SEND) when any record could not be stored after
   * the sink's own retries; the pipeline then restarts from the slot's confirmed position.
   */
  publish(records: readonly SinkRecord[], checkpoint?: SinkCheckpoint): Promise<void>;
  /**
   * Exactly-once sinks: the offset committed with the data, as read (read_committed) by
   * start(); null when none was committed yet. Absent on at-least-once sinks.
   */
  readonly committedOffset?: () => CommittedOffset | null;
  /** Exactly-once sinks: the snapshot progress committed last (null once streaming committed). */
  readonly committedSnapshot?: () => Readonly<Record<string, unknown>> | null;
  /** Flush what is in flight (best effort) and disconnect. */
  stop(): Promise<void>;
}

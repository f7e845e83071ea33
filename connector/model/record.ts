/**
 * What the pipeline hands a sink: the serialized record and the position committed with it.
 * Built by envelope/, sent by sink/; no broker type appears here.
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

/**
 * The sink port: the only thing the pipeline knows about brokers. No Kafka or NATS client type
 * crosses it.
 */
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
  publish(records: readonly SinkRecord[]): Promise<void>;
  /** Flush what is in flight (best effort) and disconnect. */
  stop(): Promise<void>;
}

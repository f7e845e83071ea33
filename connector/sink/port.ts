/**
 * The sink port: the only thing the pipeline knows about brokers. No Kafka or NATS client type
 * crosses it.
 */
import type { ConnectorError } from '../errors';
import type { CommittedOffset, SinkCheckpoint, SinkRecord } from '../model/record';

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
  /**
   * A failure the sink notices between publishes (its connection closed for good): `listener`
   * gets it as a publish would have. Without it a quiet database would keep a dead sink, and the
   * connector would look healthy, until the next change. Optional: sinks with no such signal.
   */
  onFailure?(listener: (error: ConnectorError) => void): void;
  /** Flush what is in flight (best effort) and disconnect. */
  stop(): Promise<void>;
}

/**
 * Heartbeat records (heartbeat.intervalMs; Debezium heartbeat.interval.ms), as Debezium 3.6.1
 * writes them: topic `<topic.heartbeat.prefix>.<topic.prefix>` (default prefix
 * `__debezium-heartbeat`), key `{"serverName":<topic.prefix>}`, value `{"ts_ms":<now>}`;
 * with schemas, io.debezium.connector.common.ServerNameKey / Heartbeat.
 */
import { NO_HEADERS } from './builder';
import type { SinkRecord } from '../model/record';
import { quoteJson } from './json';
import { FIXED_HEADS, wrapPayload } from './schema-envelope';

/** `<heartbeatPrefix>.<topicPrefix>`. */
export function heartbeatTopicName(heartbeatPrefix: string, topicPrefix: string): string {
  return `${heartbeatPrefix}.${topicPrefix}`;
}


export class HeartbeatRecords {
  readonly topic: string;
  private readonly key: Buffer;

  constructor(heartbeatPrefix: string, topicPrefix: string, private readonly schemas: boolean) {
    this.topic = heartbeatTopicName(heartbeatPrefix, topicPrefix);
    const key = Buffer.from(`{"serverName":${quoteJson(topicPrefix)}}`, 'utf8');
    this.key = schemas ? wrapPayload(FIXED_HEADS.heartbeatKey, key)! : key;
  }

  /**
   * The heartbeat at `nowMs`. Its id `heartbeat:<nowMs>` is unique per heartbeat (a heartbeat
   * stands for no WAL change, so it has no commit LSN; NATS deduplication must not drop the next).
   */
  record(nowMs: number): SinkRecord {
    const value = Buffer.from(`{"ts_ms":${nowMs}}`, 'utf8');
    return {
      topic: this.topic, key: this.key, id: `heartbeat:${nowMs}`, headers: NO_HEADERS,
      value: this.schemas ? wrapPayload(FIXED_HEADS.heartbeatValue, value) : value,
    };
  }
}

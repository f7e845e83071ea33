/**
 * kafkajs logs through our Logger. kafkajs' level numbers: NOTHING 0, ERROR 1, WARN 2, INFO 4,
 * DEBUG 5 (a client logs entries at or below its configured level).
 */
import { logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../../observe/logger';

export type KafkaClientLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'silent';

export function kafkaLogLevel(level: KafkaClientLogLevel): KafkaLogLevel {
  switch (level) {
    case 'silent': return KafkaLogLevel.NOTHING;
    case 'error': return KafkaLogLevel.ERROR;
    case 'warn': return KafkaLogLevel.WARN;
    case 'info': return KafkaLogLevel.INFO;
    case 'debug': return KafkaLogLevel.DEBUG;
  }
}

/** Messages that are expected with our settings and would only alarm operators. */
const EXPECTED = [
  // We bound retries on purpose (an outage must surface as SINK_SEND); ordering and
  // deduplication still hold because the sink stops at the first failure (see send-queue.ts).
  /Limiting retries for the idempotent producer/,
];

export function logCreatorFor(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _ts, logger: _name, ...extra } = log;
    void _ts; void _name;
    const fields = { kafkajs: namespace, ...extra };
    if (EXPECTED.some((re) => re.test(message))) {
      logger.debug(fields, message);
      return;
    }
    switch (level) {
      case KafkaLogLevel.ERROR:
        // kafkajs logs every failed attempt at ERROR, with retryCount, before retrying; only
        // the final failure (our ConnectorError) is an error for walcast.
        if ('retryCount' in extra) logger.warn(fields, message);
        else logger.error(fields, message);
        return;
      case KafkaLogLevel.WARN: logger.warn(fields, message); return;
      case KafkaLogLevel.INFO: logger.info(fields, message); return;
      default: logger.debug(fields, message);
    }
  };
}

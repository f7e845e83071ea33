/**
 * Builds the configured sink behind the port.
 *
 * The Kafka sink's modules are loaded when a Kafka sink is built, not when the connector starts:
 * @platformatic/kafka compiles its protocol schemas as it is imported, about half a second of
 * CPU, which a NATS or stdout connector (the quick start's demo among them) need not pay.
 * test/integration/cli/startup-modules.test.ts holds it to that.
 */
import type { Logger } from '../observe/logger';
import type { SinkOptions } from './options';
import type { Sink } from './port';
import type * as KafkaSinkModule from './kafka';
import { createNatsSink } from './nats';
import { createStdoutSink } from './stdout';

export interface SinkFactoryDeps {
  readonly logger: Logger;
  /** Where the stdout sink writes (process.stdout by default). */
  readonly out?: NodeJS.WritableStream;
}

/**
 * What building a sink reads of the configuration (a WalcastConfig is one): the sink's own
 * options, the subject prefix (NATS), the heartbeat interval (how often an idle Kafka sink asks
 * whether the brokers still answer, and the NATS client pings), and for exactly-once the connector's name, slot and offsets
 * topic.
 */
export interface SinkSetup {
  readonly name: string;
  readonly topicPrefix: string;
  readonly source: { readonly slot: string; readonly heartbeatMs: number };
  readonly sink: SinkOptions;
  readonly offsets: { readonly topic: string };
}

export type SinkFactory = (config: SinkSetup, deps: SinkFactoryDeps) => Sink;

export const createSink: SinkFactory = (config, deps) => {
  switch (config.sink.type) {
    case 'kafka': {
      // A require, not an import: see the file's comment (the factory stays synchronous).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createKafkaSink, offsetKeyOf } = require('./kafka') as typeof KafkaSinkModule;
      return createKafkaSink(config.sink.kafka, {
        logger: deps.logger.child({ sink: 'kafka' }),
        exactlyOnce: config.sink.kafka.exactlyOnce
          ? { transactionalId: config.sink.kafka.transactionalId, offsetsTopic: config.offsets.topic, offsetKey: offsetKeyOf(config.name), slot: config.source.slot }
          : undefined,
        // A quiet database is checked on as often as the server is told our position.
        idleProbeMs: config.source.heartbeatMs,
      });
    }
    case 'nats':
      return createNatsSink(config.sink.nats, { logger: deps.logger.child({ sink: 'nats' }), subjectsPrefix: config.topicPrefix, pingIntervalMs: config.source.heartbeatMs });
    case 'stdout':
      return createStdoutSink({ out: deps.out ?? process.stdout });
  }
};

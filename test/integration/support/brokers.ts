/**
 * The two brokers behind one reading interface, so pipeline suites run once per sink
 * (Debezium-style parametrised integration tests).
 */
import type { WalcastConfig } from '../../../config/types';
import { kafkaFromInfra, natsFromInfra } from '../../infra/env';
import { readTopic } from '../../infra/kafka';
import { readSubject } from '../../infra/nats';
import type { TopicMessage } from './connector';

export interface BrokerCase {
  readonly name: 'kafka' | 'nats';
  /** Delete tombstones reach this broker (NATS: not published, as in Debezium Server). */
  readonly tombstones: boolean;
  sinkConfig(): Record<string, unknown>;
  /** Everything stored for `<prefix>.<schema>.<table>`, in order per key. */
  read(config: WalcastConfig, schema: string, table: string): Promise<TopicMessage[]>;
}

const subject = (config: WalcastConfig, schema: string, table: string): string => `${config.topicPrefix}.${schema}.${table}`;

export const kafkaCase: BrokerCase = {
  name: 'kafka',
  tombstones: true,
  sinkConfig: () => ({ type: 'kafka', kafka: { brokers: [kafkaFromInfra().bootstrap], partitions: 2 } }),
  read: (config, schema, table) => readTopic(kafkaFromInfra().bootstrap, subject(config, schema, table), { timeoutMs: 30_000 }),
};

export const natsCase: BrokerCase = {
  name: 'nats',
  tombstones: false,
  sinkConfig: () => ({ type: 'nats', nats: { servers: [natsFromInfra().url] } }),
  read: async (config, schema, table) => {
    const stored = await readSubject(natsFromInfra().url, config.sink.nats.stream, subject(config, schema, table), { timeoutMs: 30_000 })
      .catch((e: Error) => { if (/not found/i.test(e.message)) return []; throw e; });
    return stored.map((m) => {
      const key = m.headers['walcast-key']?.[0];
      return {
        key: key === undefined ? null : Buffer.from(key, 'utf8'),
        value: m.data.length === 0 ? null : m.data,
        headers: { 'walcast.id': m.headers['Nats-Msg-Id']?.[0] ?? '' },
      };
    });
  },
};

export const brokerCases: readonly BrokerCase[] = [kafkaCase, natsCase];

/**
 * Makes sure topics exist: created with the configured partitions, replication factor and topic
 * configs when `createTopics` is on, otherwise a SINK_SETUP error naming every missing topic.
 */
import type { Admin, ClusterMetadata, MetadataOptions } from '@platformatic/kafka';
import type { KafkaOptions } from './options';
import { ConnectorError } from '../../errors';
import { describeError as describe } from './client-errors';
import { topicConfigs } from './client-options';

type TopicSettings = Pick<KafkaOptions, 'createTopics' | 'partitions' | 'replicationFactor' | 'topicConfig' | 'requestTimeoutMs'>;

export interface TopicClients {
  readonly admin: Pick<Admin, 'listTopics' | 'createTopics'>;
  /**
   * Metadata as the producer sees it. A topic is usable once the producer's metadata shows a
   * leader for every partition: until then a send fails with "Unknown topic", which the
   * library does not retry.
   */
  readonly metadata: (options: MetadataOptions) => Promise<ClusterMetadata>;
}

/** Returns the topics that were created. */
export async function ensureTopicsExist(clients: TopicClients, topics: readonly string[], settings: TopicSettings): Promise<string[]> {
  const wanted = [...new Set(topics)];
  if (wanted.length === 0) return [];
  const missing = await missingTopics(clients, wanted);
  if (missing.length === 0) return [];
  if (!settings.createTopics) {
    throw new ConnectorError(
      'SINK_SETUP',
      `Kafka topics missing and sink.kafka.createTopics is false: ${missing.join(', ')}`,
      { context: { topics: missing.join(',') } },
    );
  }
  try {
    await clients.admin.createTopics({
      topics: missing,
      partitions: settings.partitions,
      replicas: settings.replicationFactor,
      configs: topicConfigs(settings),
    });
  } catch (e) {
    // The error lists per-topic codes; another instance may have created some of the topics in
    // the meantime (TOPIC_ALREADY_EXISTS), which is fine. What still is missing decides.
    const still = await missingTopics(clients, missing).catch(() => missing);
    if (still.length > 0) {
      throw new ConnectorError('SINK_SETUP', `cannot create Kafka topics ${still.join(', ')}: ${describe(e)}`, {
        cause: e,
        context: { topics: still.join(',') },
      });
    }
  }
  await waitForLeaders(clients, missing, settings.requestTimeoutMs);
  return missing;
}

async function missingTopics(clients: TopicClients, wanted: readonly string[]): Promise<string[]> {
  let existing: Set<string>;
  try {
    existing = new Set(await clients.admin.listTopics());
  } catch (e) {
    throw new ConnectorError('SINK_CONNECT', `cannot list Kafka topics: ${describe(e)}`, { cause: e });
  }
  return wanted.filter((t) => !existing.has(t));
}

/** Polls the producer's metadata until every partition of `topics` has a leader. */
async function waitForLeaders(clients: TopicClients, topics: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  let last: unknown;
  for (;;) {
    try {
      const metadata = await clients.metadata({ topics: [...topics], forceUpdate: true });
      const ready = topics.every((t) => {
        const topic = metadata.topics.get(t);
        return topic !== undefined && topic.partitionsCount > 0 && topic.partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
    } catch (e) {
      last = e; // "Unknown topic" until the broker answering has applied the creation.
    }
    if (Date.now() + delay > deadline) {
      throw new ConnectorError('SINK_SETUP', `Kafka topics ${topics.join(', ')} created but without leaders after ${timeoutMs} ms${last ? `: ${describe(last)}` : ''}`, {
        cause: last,
        context: { topics: topics.join(',') },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(500, delay * 2);
  }
}

/**
 * The connector state topic (`offsets.topic`): one partition, compacted, the sink's replication
 * factor; created when missing whatever `createTopics` says (walcast owns it).
 */
export async function ensureOffsetsTopic(clients: TopicClients, topic: string, kafka: Pick<KafkaOptions, 'replicationFactor' | 'requestTimeoutMs'>): Promise<void> {
  await ensureTopicsExist(clients, [topic], {
    createTopics: true, partitions: 1, replicationFactor: kafka.replicationFactor, requestTimeoutMs: kafka.requestTimeoutMs,
    topicConfig: ['cleanup.policy=compact'],
  });
}

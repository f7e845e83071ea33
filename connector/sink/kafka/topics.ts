/**
 * Makes sure topics exist: created with the configured partitions and replication factor when
 * `createTopics` is on, otherwise a SINK_SETUP error naming every missing topic.
 */
import type { Admin } from 'kafkajs';
import type { KafkaConfig } from '../../../config/types';
import { ConnectorError } from '../../errors';

type TopicSettings = Pick<KafkaConfig, 'createTopics' | 'partitions' | 'replicationFactor'>;

interface TopicError { readonly topic?: string; readonly type?: string; readonly message?: string }

/** Returns the topics that were created. */
export async function ensureTopicsExist(admin: Admin, topics: readonly string[], settings: TopicSettings): Promise<string[]> {
  const wanted = [...new Set(topics)];
  if (wanted.length === 0) return [];
  let existing: Set<string>;
  try {
    existing = new Set(await admin.listTopics());
  } catch (e) {
    throw new ConnectorError('SINK_CONNECT', `cannot list Kafka topics: ${describe(e)}`, { cause: e });
  }
  const missing = wanted.filter((t) => !existing.has(t));
  if (missing.length === 0) return [];
  if (!settings.createTopics) {
    throw new ConnectorError(
      'SINK_SETUP',
      `Kafka topics missing and sink.kafka.createTopics is false: ${missing.join(', ')}`,
      { context: { topics: missing.join(',') } },
    );
  }
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
      })),
    });
  } catch (e) {
    // kafkajs reports per-topic failures as one aggregate; another instance may have created
    // some of them in the meantime, which is fine.
    const errors = (e as { errors?: TopicError[] }).errors;
    const real: TopicError[] | undefined = Array.isArray(errors) ? errors.filter((x) => x.type !== 'TOPIC_ALREADY_EXISTS') : undefined;
    if (real === undefined || real.length > 0) {
      const detail = real ? real.map((x) => `${x.topic ?? '?'}: ${x.type ?? x.message}`).join('; ') : describe(e);
      throw new ConnectorError('SINK_SETUP', `cannot create Kafka topics ${missing.join(', ')}: ${detail}`, {
        cause: e,
        context: { topics: missing.join(',') },
      });
    }
  }
  return missing;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

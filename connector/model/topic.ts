/**
 * Topic (Kafka) / subject (NATS) names: `<prefix>.<schema>.<table>`.
 *
 * Inside the schema and table parts, every character outside `A-Za-z0-9_-` becomes '_' — dots
 * too, so a name can never add a level: the topic always has exactly prefix + 2 levels, and
 * characters NATS treats specially ('*', '>', whitespace) or Kafka rejects cannot appear. The
 * prefix may keep dots (Debezium's topic.prefix allows `A-Za-z0-9._-`, e.g. `prod.shop`); any
 * other character in it becomes '_'.
 *
 * Sanitising is lossy, so distinct tables can collide ("Order Items" and "Order_Items");
 * findTopicCollisions reports them as a config error. It also reports names that differ only
 * by '.' versus '_': Kafka refuses to create the second of two such topics, because its metric
 * names do not distinguish them.
 */
const INVALID_PART = /[^A-Za-z0-9_-]/g;
const INVALID_PREFIX = /[^A-Za-z0-9._-]/g;

export function sanitizeTopicPart(part: string): string {
  return part.replace(INVALID_PART, '_');
}

export function sanitizeTopicPrefix(prefix: string): string {
  return prefix.replace(INVALID_PREFIX, '_');
}

export function topicName(prefix: string, schema: string, table: string): string {
  return `${sanitizeTopicPrefix(prefix)}.${sanitizeTopicPart(schema)}.${sanitizeTopicPart(table)}`;
}

/** Topic of logical decoding messages (op 'm'), as Debezium: `<topic.prefix>.message`. */
export function messageTopicName(prefix: string): string {
  return `${sanitizeTopicPrefix(prefix)}.message`;
}

export interface TableName {
  readonly schema: string;
  readonly table: string;
}

/** One message per pair of distinct tables whose topics collide (exactly, or in Kafka's eyes). */
export function findTopicCollisions(tables: readonly TableName[], prefix: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const byTopic = new Map<string, { name: string; topic: string }[]>();
  for (const t of tables) {
    const name = `${t.schema}.${t.table}`;
    const key = JSON.stringify([t.schema, t.table]);
    if (seen.has(key)) continue;
    seen.add(key);
    const topic = topicName(prefix, t.schema, t.table);
    const kafkaKey = topic.replace(/\./g, '_');
    const group = byTopic.get(kafkaKey);
    if (group === undefined) {
      byTopic.set(kafkaKey, [{ name, topic }]);
      continue;
    }
    for (const other of group) {
      problems.push(
        other.topic === topic
          ? `tables "${other.name}" and "${name}" both map to topic "${topic}"`
          : `tables "${other.name}" and "${name}" map to topics "${other.topic}" and "${topic}", which Kafka treats as colliding ('.' and '_' are the same in its metric names)`,
      );
    }
    group.push({ name, topic });
  }
  return problems;
}

import { Consumer, MessagesStreamModes, stringDeserializer, type ConsumerOptions } from '@platformatic/kafka';
import { uniqueName } from './names';
import { waitFor } from './wait';

// Reads topics for assertions, with the sink's client library (@platformatic/kafka): a throwaway
// consumer group (autocommit off) that starts at the earliest offset of every partition.

export interface TopicMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

export interface ReadTopicOptions {
  /** Resolve once at least this many messages were read. */
  count?: number;
  /** Resolve once this returns true for everything read so far. */
  until?: (messages: readonly TopicMessage[]) => boolean;
  /** Default 15 s. The topic may not exist yet when called; it is awaited within this time. */
  timeoutMs?: number;
  /** Extra client options (TLS, SASL) for a secured listener. */
  client?: Partial<Pick<ConsumerOptions<Buffer, Buffer, string, string>, 'tls' | 'sasl'>>;
}

type Reader = Consumer<Buffer, Buffer, string, string>;

/**
 * `promise`, or `fallback` after `ms`. The consumer's close (and a request retrying against a
 * broker that went away) can wait on a group rebalance far longer than a test should.
 */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), ms); });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a topic from the beginning of every partition. Stops at `count` / `until`; with
 * neither, reads up to each partition's high watermark as of the call (everything acked
 * before). Result is sorted by partition, then offset.
 */
export async function readTopic(bootstrap: string, topic: string, opts: ReadTopicOptions = {}): Promise<TopicMessage[]> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  const consumer: Reader = new Consumer({
    clientId: 'walcast-test-reader',
    bootstrapBrokers: bootstrap.split(','),
    groupId: uniqueName('reader'),
    autocommit: false,
    maxWaitTime: 100,
    retries: 3,
    retryDelay: 100,
    deserializers: { headerKey: stringDeserializer, headerValue: stringDeserializer },
    ...opts.client,
  });
  try {
    const highWatermarks = await waitFor(
      async () => {
        const offsets = await within(consumer.listOffsets({ topics: [topic] }).catch(() => undefined), 5_000, undefined);
        const list = offsets?.get(topic);
        return list && list.length > 0 ? list : undefined;
      },
      { timeoutMs: Math.max(1, deadline - Date.now()), message: `topic ${topic} to exist` },
    );

    const messages: TopicMessage[] = [];
    // Next offset to read per partition, kept as messages arrive: the checks below run per
    // message and must not rescan everything read (200k-message topics).
    const next = new Map<number, bigint>();
    const reachedWatermarks = (): boolean => highWatermarks.every((high, p) => high === 0n || (next.get(p) ?? 0n) >= high);
    // `until` may scan everything read so far: evaluated every 256 messages and on a timer.
    let untilMet = false;
    const checkUntil = (): boolean => (untilMet ||= opts.until?.(messages) ?? true);
    const done = (): boolean => {
      if (opts.count !== undefined) return messages.length >= opts.count && checkUntil();
      if (opts.until) return checkUntil();
      return reachedWatermarks();
    };
    if (opts.count === undefined && !opts.until && highWatermarks.every((h) => h === 0n)) return [];

    const stream = await within(consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST }), Math.max(1, deadline - Date.now()), undefined);
    if (!stream) throw new Error(`readTopic(${topic}) could not join its consumer group within ${timeoutMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(1, deadline - Date.now()));
    });
    let resolveUntil: (v: 'done') => void = () => undefined;
    const untilReached = new Promise<'done'>((resolve) => { resolveUntil = resolve; });
    const poll = opts.until ? setInterval(() => { if (done()) resolveUntil('done'); }, 50) : undefined;
    const reading = (async (): Promise<'done' | 'ended'> => {
      for await (const m of stream) {
        next.set(m.partition, m.offset + 1n);
        messages.push({
          key: m.key ?? null,
          value: m.value ?? null,
          headers: Object.fromEntries(m.headers),
          partition: m.partition,
          offset: m.offset.toString(),
        });
        if ((opts.until === undefined || messages.length % 256 === 0) && done()) return 'done';
      }
      return 'ended';
    })();
    const outcome = await Promise.race([reading, untilReached, timedOut]);
    clearTimeout(timer);
    clearInterval(poll);
    await within(stream.close().catch(() => undefined), 5_000, undefined);
    if (outcome !== 'done' && !done()) {
      throw new Error(
        `readTopic(${topic}) ${outcome === 'timeout' ? `timed out after ${timeoutMs} ms` : 'stream ended'} with ${messages.length} messages` +
          (opts.count !== undefined ? ` (wanted ${opts.count})` : ''),
      );
    }
    return messages.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  } finally {
    await within(consumer.close(true).catch(() => undefined), 5_000, undefined);
  }
}

/**
 * Messages ever appended to `topic`: the sum of its partitions' high watermarks (cheap; no
 * group is joined). 0 while the topic does not exist.
 */
export async function topicHighWatermark(bootstrap: string, topic: string): Promise<number> {
  const consumer: Reader = new Consumer({
    clientId: 'walcast-test-size', bootstrapBrokers: bootstrap.split(','), groupId: uniqueName('size'), retries: 1, retryDelay: 100,
  });
  try {
    const offsets = await within(consumer.listOffsets({ topics: [topic] }), 10_000, undefined);
    return (offsets?.get(topic) ?? []).reduce((n, o) => n + Number(o), 0);
  } catch {
    return 0; // topic not created yet
  } finally {
    await within(consumer.close(true).catch(() => undefined), 5_000, undefined);
  }
}

import { murmur2 as libraryMurmur2 } from '@platformatic/kafka';
import { DEFAULT_KAFKA_RETRY, producerOptions } from '../../../../connector/sink/kafka/client-options';
import { javaCompatiblePartitioner, murmur2 as sinkMurmur2 } from '../../../../connector/sink/kafka/partitioner';
import { javaPartition, murmur2 } from './java-murmur2';

/** murmur2 values of the Java client, from Kafka's UtilsTest. */
const UTILS_TEST: readonly (readonly [string, number])[] = [
  ['21', -973932308], ['foobar', -790332482], ['a-little-bit-long-string', -985981536], ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971], ['abc', 479470107],
];

test('the reference murmur2 matches the Java client (values from Kafka UtilsTest)', () => {
  for (const [key, hash] of UTILS_TEST) expect(murmur2(Buffer.from(key))).toBe(hash);
});

test("the library's murmur2 agrees with the reference (every tail length, long keys)", () => {
  for (let len = 0; len < 200; len++) {
    const key = Buffer.from(Array.from({ length: len }, (_, i) => (i * 131 + len * 7) & 0xff));
    expect(libraryMurmur2(key)).toBe(murmur2(key));
  }
});

test("the sink's murmur2 gives Kafka UtilsTest's values and agrees with the reference (every tail length, long keys, high bytes)", () => {
  for (const [key, hash] of UTILS_TEST) expect(sinkMurmur2(Buffer.from(key))).toBe(hash);
  for (let len = 0; len < 200; len++) {
    for (const salt of [7, 131, 255]) {
      const key = Buffer.from(Array.from({ length: len }, (_, i) => (i * salt + len * 7 + 0x80) & 0xff));
      expect(sinkMurmur2(key)).toBe(murmur2(key));
      expect(sinkMurmur2(key)).toBe(libraryMurmur2(key));
    }
  }
  // A view into a larger buffer hashes only its own bytes.
  const big = Buffer.from('xx{"id":42}yy');
  expect(sinkMurmur2(big.subarray(2, 11))).toBe(murmur2(Buffer.from('{"id":42}')));
});

// The producer reduces the partitioner's result modulo the partition count (producer.js
// #performSend: `message.partition %= partitionsCount`); the integration test checks the
// partitions records actually land in.
test('keyed records get the Java partition; the sink uses this partitioner', () => {
  const base = producerOptions({
    brokers: ['b:9092'], clientId: 'c', partitions: 1, replicationFactor: 1, createTopics: true, compression: 'none',
    topicConfig: [], batchMaxRecords: 1, batchMaxBytes: 1_000_000, requestTimeoutMs: 1000, transactionTimeoutMs: 60_000, ssl: false, sslCaFile: '', sslCertFile: '', sslKeyFile: '',
    saslMechanism: 'none', saslUsername: '', saslPassword: '', exactlyOnce: false, transactionalId: '',
    format: 'json', schemaRegistry: { url: '', username: '', password: '' },
  }, DEFAULT_KAFKA_RETRY).partitioner!;
  const fresh = javaCompatiblePartitioner();
  let differsFromUnsignedMurmur = 0;
  for (const partitions of [1, 3, 7, 12]) {
    for (let i = 0; i < 500; i++) {
      const key = Buffer.from(JSON.stringify({ id: i * 7919 }));
      const message = { topic: 't', key, value: Buffer.alloc(0) };
      const chosen = base(message, key, { metadata: undefined });
      expect(chosen).toBeGreaterThanOrEqual(0);
      expect(chosen % partitions).toBe(javaPartition(key, partitions));
      expect(fresh(message, key, { metadata: undefined }) % partitions).toBe(javaPartition(key, partitions));
      if ((murmur2(key) >>> 0) % partitions !== javaPartition(key, partitions)) differsFromUnsignedMurmur++;
    }
  }
  // The library's default (murmur2 >>> 0) would put many of these keys elsewhere.
  expect(differsFromUnsignedMurmur).toBeGreaterThan(100);
});

test('records without a key go round-robin per topic', () => {
  const p = javaCompatiblePartitioner();
  const pick = (topic: string) => p({ topic, value: Buffer.alloc(0) }, undefined, { metadata: undefined });
  expect([pick('a'), pick('a'), pick('b'), pick('a'), pick('b')]).toEqual([0, 1, 0, 2, 1]);
});

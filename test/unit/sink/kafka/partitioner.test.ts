import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { producerOptions, DEFAULT_KAFKA_RETRY } from '../../../../connector/sink/kafka/client-options';
import { javaPartition, murmur2 } from './java-murmur2';

test('the reference murmur2 matches the Java client (values from Kafka UtilsTest)', () => {
  expect(murmur2(Buffer.from('21'))).toBe(-973932308);
  expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
  expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
  expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
  expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
  expect(murmur2(Buffer.from('abc'))).toBe(479470107);
});

test('the sink uses the Java-compatible partitioner for keyed records', () => {
  const create = producerOptions(DEFAULT_KAFKA_RETRY).createPartitioner;
  expect(create).toBe(Partitioners.DefaultPartitioner);
  const partition = create!();
  for (const partitions of [1, 3, 7, 12]) {
    const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, i) => ({
      partitionErrorCode: 0, partitionId: i, leader: 0, replicas: [0], isr: [0],
    }));
    for (let i = 0; i < 500; i++) {
      const key = Buffer.from(JSON.stringify({ id: i * 7919 }));
      expect(partition({ topic: 't', partitionMetadata, message: { key, value: null } })).toBe(javaPartition(key, partitions));
    }
  }
});

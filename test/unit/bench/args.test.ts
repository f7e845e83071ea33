import { parseArgs } from '../../../bench/lib/args';

test('--kafka picks the broker kind of the Kafka scenarios; real Apache Kafka by default (the idempotent sink cannot start on the mock)', () => {
  expect(parseArgs([]).kafka).toBe('real');
  expect(parseArgs(['--kafka', 'real']).kafka).toBe('real');
  expect(parseArgs(['--kafka=mock', '--only', 'spine']).kafka).toBe('mock');
  expect(() => parseArgs(['--kafka', 'redpanda'])).toThrow(/--kafka: want mock or real, got "redpanda"/);
  expect(() => parseArgs(['--kafka'])).toThrow(/--kafka needs a value/);
});

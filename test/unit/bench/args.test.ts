import { parseArgs } from '../../../bench/lib/args';

test('--kafka picks the broker kind of the Kafka scenarios; mock by default', () => {
  expect(parseArgs([]).kafka).toBe('mock');
  expect(parseArgs(['--kafka', 'real']).kafka).toBe('real');
  expect(parseArgs(['--kafka=mock', '--only', 'spine']).kafka).toBe('mock');
  expect(() => parseArgs(['--kafka', 'redpanda'])).toThrow(/--kafka: want mock or real, got "redpanda"/);
  expect(() => parseArgs(['--kafka'])).toThrow(/--kafka needs a value/);
});

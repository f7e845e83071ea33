import { parseArgs } from '../../../bench/lib/args';

test('--kafka: real Apache Kafka only; the removed mock is refused with the reason', () => {
  expect(parseArgs([]).kafka).toBe('real');
  expect(parseArgs(['--kafka', 'real']).kafka).toBe('real');
  expect(() => parseArgs(['--kafka=mock', '--only', 'spine'])).toThrow(/mock was removed/);
  expect(() => parseArgs(['--kafka', 'redpanda'])).toThrow(/--kafka: want real, got "redpanda"/);
  expect(() => parseArgs(['--kafka'])).toThrow(/--kafka needs a value/);
});

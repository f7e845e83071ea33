/**
 * The V8 heap flags walcast needs to stay near its memory bound: recognised from the command line
 * and NODE_OPTIONS, and passed by every launcher this repository ships (image, script, bench).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMORY_FLAGS, missingFlagsMessage, missingMemoryFlags } from '../../../connector/cli/memory-flags';
import { dockerfileStages, ROOT } from '../../support/deploy-files';

test('missing flags are named; the command line and NODE_OPTIONS both count, with any value', () => {
  expect(missingMemoryFlags([], undefined)).toEqual([...MEMORY_FLAGS]);
  expect(missingMemoryFlags(['--max-semi-space-size=8', '--heap-growing-percent=50'], '--max-old-space-size=2048')).toEqual([]);
  expect(missingMemoryFlags(['--max_semi_space_size=2', '--heap_growing_percent=100'], '')).toEqual(['--max-old-space-size=1024']);
  expect(missingMemoryFlags(['--enable-source-maps'], '--max-semi-space-size=8 --trace-warnings')).toEqual(['--max-old-space-size=1024', '--heap-growing-percent=100']);
});

test('the message says what is missing and what it costs', () => {
  expect(missingFlagsMessage(['--max-old-space-size=1024', '--heap-growing-percent=100'])).toMatch(/^node runs without --max-old-space-size=1024 --heap-growing-percent=100: V8's default heap sizing lets RSS/);
  const growing = missingFlagsMessage(['--heap-growing-percent=100']);
  expect(growing).toMatch(/^node runs without --heap-growing-percent=100: without a fixed heap growing factor .* more CPU/);
  expect(growing).toContain(`start it with ${MEMORY_FLAGS.join(' ')} `);
});

test('the image, scripts/walcast.sh and the bench start node with them', () => {
  const entrypoint = dockerfileStages().at(-1)!.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1)!.exec!;
  expect(entrypoint).toEqual(['node', ...MEMORY_FLAGS, 'dist/connector/cli.js']);
  const script = readFileSync(join(ROOT, 'scripts/walcast.sh'), 'utf8');
  expect(script).toContain(`exec node ${MEMORY_FLAGS.join(' ')} "$root/dist/connector/cli.js" "$@"`);
  const bench = readFileSync(join(ROOT, 'bench/lib/walcast-process.ts'), 'utf8');
  expect(bench).toMatch(/\[\.\.\.MEMORY_FLAGS\]/);
});

/**
 * walcast's Node flags (connector/cli/memory-flags.ts explains them) are the same wherever it is
 * started: the bin's shebang, the Docker image's ENTRYPOINT, scripts/walcast.sh and the bench's
 * walcast children (which must measure walcast as it runs in production).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMORY_FLAGS } from '../../../connector/cli/memory-flags';
import { dockerfileStages, ROOT } from '../../support/deploy-files';

test('the bin, the Docker image, scripts/walcast.sh and the bench start walcast with the same Node flags', () => {
  const shebang = readFileSync(join(ROOT, 'connector', 'cli.ts'), 'utf8').split('\n')[0]!;
  expect(shebang).toBe(`#!/usr/bin/env -S node ${MEMORY_FLAGS.join(' ')}`);
  // Kernels before Linux 5.1 read 127 bytes of a shebang line: longer, the last flag is cut.
  expect(Buffer.byteLength(shebang)).toBeLessThanOrEqual(127);
  const entry = dockerfileStages().at(-1)!.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  expect(entry?.exec).toEqual(['node', ...MEMORY_FLAGS, 'dist/connector/cli.js']);
  expect(readFileSync(join(ROOT, 'scripts', 'walcast.sh'), 'utf8')).toContain(`exec node ${MEMORY_FLAGS.join(' ')} "$root/dist/connector/cli.js"`);
  expect(readFileSync(join(ROOT, 'bench', 'lib', 'walcast-process.ts'), 'utf8')).toMatch(/\[\.\.\.MEMORY_FLAGS\]/);
  expect(MEMORY_FLAGS).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-old-space-size=/)]));
});

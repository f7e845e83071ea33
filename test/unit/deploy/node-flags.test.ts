/**
 * walcast's Node flags (connector/cli.ts explains --max-semi-space-size) are the same wherever it
 * is started: the bin's shebang, the Docker image's ENTRYPOINT and the bench's walcast children
 * (which must measure walcast as it runs in production).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WALCAST_NODE_FLAGS } from '../../../bench/lib/walcast-process';
import { dockerfileStages, ROOT } from '../../support/deploy-files';

test('the bin, the Docker image and the bench start walcast with the same Node flags', () => {
  const shebang = readFileSync(join(ROOT, 'connector', 'cli.ts'), 'utf8').split('\n')[0]!;
  expect(shebang).toBe(`#!/usr/bin/env -S node ${WALCAST_NODE_FLAGS.join(' ')}`);
  const entry = dockerfileStages().at(-1)!.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  expect(entry?.exec).toEqual(['node', ...WALCAST_NODE_FLAGS, 'dist/connector/cli.js']);
  expect(WALCAST_NODE_FLAGS).toContain('--max-semi-space-size=16');
});

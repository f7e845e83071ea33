import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WALCAST_VERSION } from '../../../connector/envelope/version';

test('WALCAST_VERSION is package.json version', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
  expect(WALCAST_VERSION).toBe(pkg.version);
});

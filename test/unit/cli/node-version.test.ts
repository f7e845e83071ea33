import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MIN_NODE, nodeTooOld } from '../../../connector/cli/node-version';

describe('nodeTooOld', () => {
  it('refuses what package.json "engines" refuses, in one sentence naming both versions', () => {
    expect(nodeTooOld('20.20.2')).toMatch(/needs Node\.js 22\.22 or later .*this is Node 20\.20\.2/);
    expect(nodeTooOld('22.21.9')).not.toBeNull();
    expect(nodeTooOld('22.22.0')).toBeNull();
    expect(nodeTooOld('23.0.0')).toBeNull();
    expect(nodeTooOld('24.21.0')).toBeNull();
  });

  it('is the "engines" range of package.json', () => {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${MIN_NODE.major}.${MIN_NODE.minor}`);
  });
});

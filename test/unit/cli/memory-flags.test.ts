/**
 * The V8 heap flags walcast needs to stay near its memory bound: recognised from the command line
 * and NODE_OPTIONS, and passed by every launcher this repository ships (image, script, bench).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { MEMORY_FLAGS, missingFlagsMessage, missingMemoryFlags, RUNTIME_V8_FLAGS } from '../../../connector/cli/memory-flags';
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

describe('RUNTIME_V8_FLAGS', () => {
  // A program whose objects each outlive a scavenge or two, as records awaiting their ack do:
  // V8's allocation-site pretenuring then moves their allocation into the old generation, and
  // fewer scavenges run. The flag set at run time must act as it does on the command line.
  const PROGRAM = `
    if (process.env.RUNTIME_FLAGS) for (const f of JSON.parse(process.env.RUNTIME_FLAGS)) require('node:v8').setFlagsFromString(f);
    const ring = new Array(200000);
    for (let i = 0; i < 1500000; i++) ring[i % ring.length] = { id: 'x' + i, pair: [i, i + 1], map: new Map([[i, i]]) };
  `;
  const scavenges = (nodeArgs: string[], env: Record<string, string> = {}): number => {
    const r = spawnSync(process.execPath, [...MEMORY_FLAGS, ...nodeArgs, '--trace-gc', '-e', PROGRAM], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    return (r.stdout.match(/Scavenge/g) ?? []).length;
  };

  test('set at run time, --no-allocation-site-pretenuring acts as on the command line', () => {
    expect(RUNTIME_V8_FLAGS).toEqual(['--no-allocation-site-pretenuring']);
    const pretenuring = scavenges([]);
    const commandLine = scavenges(RUNTIME_V8_FLAGS.slice());
    const runtime = scavenges([], { RUNTIME_FLAGS: JSON.stringify(RUNTIME_V8_FLAGS) });
    // Without pretenuring every object is allocated young: more scavenges.
    expect(commandLine).toBeGreaterThan(pretenuring * 1.15);
    expect(Math.abs(runtime - commandLine)).toBeLessThanOrEqual(commandLine * 0.1);
  });

  test('the bin sets them before it runs anything else', () => {
    const cli = readFileSync(join(ROOT, 'connector', 'cli.ts'), 'utf8');
    expect(cli.indexOf('applyRuntimeV8Flags();')).toBeGreaterThan(0);
    expect(cli.indexOf('applyRuntimeV8Flags();')).toBeLessThan(cli.indexOf('runCli('));
  });
});

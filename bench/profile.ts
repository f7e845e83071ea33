/**
 * `node dist/bench/profile.js <file.cpuprofile> [N]`: the N (default 25) functions with the most
 * self time in a V8 CPU profile (from `npm run bench -- --profile <dir>`), with their share.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}
interface CpuProfile { readonly nodes: readonly ProfileNode[]; readonly samples?: readonly number[] }

function main(argv: readonly string[]): number {
  const [file, n] = argv;
  if (file === undefined) {
    process.stderr.write('usage: node dist/bench/profile.js <file.cpuprofile> [N]\n');
    return 1;
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const count = node.hitCount ?? 0;
    if (count === 0) continue;
    const f = node.callFrame;
    const where = f.url === '' ? '' : ` ${f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`;
    const key = `${f.functionName || '(anonymous)'}${where}`;
    hits.set(key, (hits.get(key) ?? 0) + count);
    total += count;
  }
  const top = [...hits.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(n ?? 25));
  for (const [key, count] of top) process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${key}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));

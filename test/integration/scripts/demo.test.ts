import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { requireBuiltCli } from '../support/cli-process';

// The README's quick start as a user runs it: `npm run -s demo`, piped. stdout must carry only
// envelope lines (so `| jq -c .op` works), starting with the snapshot (op "r") and then the
// workload's live changes; the connector's state stays in the demo's temp dir.

const ROOT = resolve(__dirname, '../../..');

interface Line { topic: string; op?: string; value: { op: string; after: Record<string, unknown> | null } | null }

test('npm run -s demo: only envelopes on stdout, the snapshot first, then live changes', async () => {
  requireBuiltCli(); // demo.sh rebuilds only when dist is missing or stale
  const startedAt = Date.now();
  const child = spawn('npm', ['run', '-s', 'demo', '--', '--seconds', '10'], {
    cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  expect({ code, stderrTail: code === 0 ? '' : err.slice(-2000) }).toEqual({ code: 0, stderrTail: '' });

  const raw = out.split('\n').filter((l) => l !== '');
  const lines = raw.map((l, i) => {
    try { return JSON.parse(l) as Line; } catch { throw new Error(`stdout line ${i + 1} is not JSON: ${l.slice(0, 200)}`); }
  });
  for (const l of lines) expect(l.topic).toMatch(/^demo\.public\./);
  const ops = lines.map((l) => l.op);
  expect(ops.every((op) => typeof op === 'string')).toBe(true);
  const lastRead = ops.lastIndexOf('r');
  const firstLive = ops.findIndex((op) => op !== 'r');
  // The five seeded customers (at least) are read by the snapshot, before any live change.
  expect(lines.filter((l) => l.op === 'r' && l.topic === 'demo.public.customers')).toHaveLength(5);
  expect(firstLive).toBeGreaterThan(lastRead);
  expect(ops.slice(firstLive)).toContain('c');

  // The workload the README describes: orders placed, paid and shipped.
  const statuses = new Set(lines.filter((l) => l.topic === 'demo.public.orders').map((l) => l.value?.after?.status));
  expect([...statuses].filter((x) => x !== undefined).sort()).toEqual(['new', 'paid', 'shipped']);

  // decimalHandling "string": totals read as numbers, not base64 bytes.
  const order = lines.find((l) => l.topic === 'demo.public.orders' && l.value?.after);
  expect(order?.value?.after?.total).toMatch(/^\d+\.\d{2}$/);

  // The state file did not land in the repository.
  const stateFile = join(ROOT, 'walcast-state', 'demo.state.json');
  expect(existsSync(stateFile) && statSync(stateFile).mtimeMs >= startedAt).toBe(false);
});

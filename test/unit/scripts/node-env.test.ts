/**
 * scripts/node-env.sh, sourced by test.sh, demo.sh, bench.sh and walcast.sh: keeps a Node that
 * satisfies "engines" (>= 22.22), or installs node@24 into the cache and puts it first on PATH.
 * Driven with stand-in `node` and `npm` executables (shell scripts reporting a version), so the
 * decision and the cache handling are tested without the registry; the real install was run
 * by hand (see the README) and by every fresh machine's `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const script = resolve(__dirname, '../../../scripts/node-env.sh');
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'walcast-node-env-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A stand-in `node` that answers `-p process.versions.node` and `--version` like the real one. */
function fakeNode(path: string, version: string): void {
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = --version ]; then echo v${version}; else echo ${version}; fi\n`);
  chmodSync(path, 0o755);
}

/**
 * A stand-in `npm`: logs its arguments; for `install --prefix DIR` it "installs" a node of
 * `installs` into DIR the way the `node` package lays it out (node_modules/.bin/node), or fails.
 */
function fakeNpm(bin: string, installs: string | null): void {
  const body = installs === null
    ? 'exit 1'
    : `mkdir -p "$3/node_modules/.bin" && cat > "$3/node_modules/.bin/node" <<'EOF'
#!/bin/sh
if [ "$1" = --version ]; then echo v${installs}; else echo ${installs}; fi
EOF
chmod 755 "$3/node_modules/.bin/node"`;
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\necho "$@" >> "${join(root, 'npm.log')}"\n${body}\n`);
  chmodSync(join(bin, 'npm'), 0o755);
}

interface Sourced { status: number | null; node: string; version: string; stderr: string }

/** Sources the script in bash with `bin` first on PATH, then reports which node is on PATH. */
function source(bin: string): Sourced {
  const r = spawnSync('bash', ['-c', `source "${script}" || exit 3; command -v node; node -p process.versions.node`], {
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: root, WALCAST_CACHE_DIR: join(root, 'cache') },
    encoding: 'utf8',
  });
  const [node = '', version = ''] = r.stdout.trim().split('\n');
  return { status: r.status, node, version, stderr: r.stderr };
}

function npmCalls(): string[] {
  const log = join(root, 'npm.log');
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
}

function bin(): string {
  const dir = join(root, 'bin');
  mkdirSync(dir, { recursive: true });
  return dir;
}

test.each(['22.22.0', '22.30.1', '24.21.0', '26.0.0'])('keeps node %s from PATH and installs nothing', (v) => {
  const b = bin();
  fakeNode(join(b, 'node'), v);
  fakeNpm(b, '24.21.0');
  const r = source(b);
  expect(r).toMatchObject({ status: 0, node: join(b, 'node'), version: v });
  expect(npmCalls()).toEqual([]);
  expect(existsSync(join(root, 'cache'))).toBe(false);
});

test.each(['20.20.2', '22.21.9', '18.0.0'])('node %s: installs node@24 into the cache once and puts it first on PATH', (v) => {
  const b = bin();
  fakeNode(join(b, 'node'), v);
  fakeNpm(b, '24.21.0');
  const cached = join(root, 'cache', 'node24', 'node_modules', '.bin', 'node');

  const first = source(b);
  expect(first).toMatchObject({ status: 0, node: cached, version: '24.21.0' });
  expect(first.stderr).toContain(`node on PATH was v${v}`);
  expect(npmCalls()).toEqual([expect.stringMatching(/^install --prefix \S+ /)]);
  const manifest = JSON.parse(readFileSync(join(root, 'cache', 'node24', 'package.json'), 'utf8')) as Record<string, unknown>;
  expect(manifest).toMatchObject({ dependencies: { node: '24' }, allowScripts: { node: true } });
  // Installed in a temp dir renamed into place: nothing else left beside it.
  expect(readdirSync(join(root, 'cache')).sort()).toEqual(['node24', 'node24.lock']);

  const second = source(b);
  expect(second).toMatchObject({ status: 0, node: cached, version: '24.21.0' });
  expect(npmCalls()).toHaveLength(1);
});

test('a failed install fails the sourcing script, says why and leaves no cache behind', () => {
  const b = bin();
  fakeNode(join(b, 'node'), '20.20.2');
  fakeNpm(b, null);
  const r = source(b);
  expect(r.status).toBe(3);
  expect(r.stderr).toContain('npm install node@24 failed');
  expect(readdirSync(join(root, 'cache'))).toEqual(['node24.lock']);
});

test('an installed node that is still too old is refused, not used', () => {
  const b = bin();
  fakeNode(join(b, 'node'), '20.20.2');
  fakeNpm(b, '20.1.0');
  const r = source(b);
  expect(r.status).toBe(3);
  expect(r.stderr).toContain('does not run');
  expect(readdirSync(join(root, 'cache'))).toEqual(['node24.lock']);
});

test('scripts/with-node.sh runs its command on the chosen node; WALCAST_NODE_QUIET drops the notice, not the install', () => {
  const b = bin();
  fakeNode(join(b, 'node'), '20.20.2');
  fakeNpm(b, '24.21.0');
  const withNode = resolve(__dirname, '../../../scripts/with-node.sh');
  const run = (quiet: boolean) => spawnSync('bash', [withNode, 'node', '-p', 'process.versions.node'], {
    env: { PATH: `${b}:/usr/bin:/bin`, HOME: root, WALCAST_CACHE_DIR: join(root, 'cache'), ...(quiet ? { WALCAST_NODE_QUIET: '1' } : {}) },
    encoding: 'utf8',
  });
  const first = run(true);
  expect({ status: first.status, stdout: first.stdout.trim() }).toEqual({ status: 0, stdout: '24.21.0' });
  expect(first.stderr).toContain('installing Node 24');
  const quiet = run(true);
  expect({ status: quiet.status, stdout: quiet.stdout.trim(), stderr: quiet.stderr }).toEqual({ status: 0, stdout: '24.21.0', stderr: '' });
  expect(run(false).stderr).toContain('node-env: Node v24.21.0 from');
});

test('one Node version everywhere: engines, node-env.sh, .nvmrc and the image agree', () => {
  const repo = resolve(__dirname, '../../..');
  const text = readFileSync(script, 'utf8');
  const setting = (name: string) => /^(\d+)$/.exec(new RegExp(`^${name}=(\\S+)$`, 'm').exec(text)?.[1] ?? '')?.[1];
  const engines = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  expect(engines).toBe(`>=${setting('WALCAST_NODE_MIN_MAJOR')}.${setting('WALCAST_NODE_MIN_MINOR')}`);
  const major = setting('WALCAST_NODE_MAJOR');
  expect(readFileSync(join(repo, '.nvmrc'), 'utf8').trim()).toBe(major);
  const froms = readFileSync(join(repo, 'deploy/Dockerfile'), 'utf8').match(/^FROM node:(\d+)/gm) ?? [];
  expect(froms.length).toBeGreaterThan(0);
  for (const from of froms) expect(from).toBe(`FROM node:${major}`);
});

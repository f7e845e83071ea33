/**
 * deploy/Dockerfile and .dockerignore, read with a Dockerfile parser (no Docker engine here).
 * The HEALTHCHECK command is run for real against small HTTP servers standing in for walcast.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../../config/load';
import { dockerfileStages, dockerignorePatterns, ROOT, type DockerInstruction, type DockerStage } from '../../support/deploy-files';
import { tempDir } from '../../infra/temp-dirs';

const STATE_DIR = '/var/lib/walcast';
const stages = dockerfileStages();
const runtime = stages.at(-1)!;
const named = (stage: DockerStage, keyword: string): DockerInstruction[] => stage.instructions.filter((i) => i.keyword === keyword);

test('every stage is Node 24 on a slim Debian image', () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  for (const s of stages) expect(s.image).toMatch(/^node:24(\.\d+){0,2}-([a-z]+-)?slim(@sha256:[0-9a-f]{64})?$/);
});

test('the runtime runs as node, with the state directory made and given to node before VOLUME', () => {
  const ins = runtime.instructions;
  expect(named(runtime, 'USER').at(-1)?.args).toBe('node');
  const volume = ins.findIndex((i) => i.keyword === 'VOLUME' && (i.exec ?? i.args.split(/\s+/)).includes(STATE_DIR));
  expect(volume).toBeGreaterThan(-1);
  const owned = ins.findIndex((i) => i.keyword === 'RUN'
    && new RegExp(`mkdir -p ${STATE_DIR}(\\s|$)`).test(i.args)
    && new RegExp(`chown (-R )?node(:node)? ${STATE_DIR}(\\s|$)`).test(i.args));
  // After VOLUME a build step's changes to the directory are discarded: the chown must come first.
  expect(owned).toBeGreaterThan(-1);
  expect(owned).toBeLessThan(volume);
  const laterRuns = ins.slice(volume + 1).filter((i) => i.keyword === 'RUN' && i.args.includes(STATE_DIR));
  expect(laterRuns).toEqual([]);
  // walcast keeps its state there.
  expect(named(runtime, 'ENV').map((e) => e.args)).toContain(`WALCAST_OFFSETS_STATE_DIR=${STATE_DIR}`);
});

test('exposes the HTTP port walcast listens on by default', () => {
  const config = loadConfig({ env: { WALCAST_NAME: 'x', WALCAST_SOURCE_URL: 'postgres://u@h/d' } });
  expect(named(runtime, 'EXPOSE').map((e) => e.args)).toContain(String(config.http.port));
});

test('the build stage copies everything `npm ci` and `npm run build` need before running them', () => {
  const build = stages[0]!;
  const copiedBefore = (index: number) => build.instructions.slice(0, index).filter((i) => i.keyword === 'COPY')
    .flatMap((c) => (c.exec ?? c.args.split(/\s+/)).slice(0, -1));
  const runAt = (cmd: string) => build.instructions.findIndex((i) => i.keyword === 'RUN' && i.args.includes(cmd));
  const covered = (copied: string[], path: string) => copied.some((c) => path === c || path.startsWith(`${c}/`));

  const ci = runAt('npm ci');
  expect(ci).toBeGreaterThan(-1);
  for (const f of ['package.json', 'package-lock.json']) expect(covered(copiedBefore(ci), f)).toBe(true);

  const buildRun = runAt('npm run build');
  expect(buildRun).toBeGreaterThan(ci);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { extends?: string; include: string[] };
  // What tsc compiles, its base config, and the helper scripts the npm script goes through.
  const needed = [
    'tsconfig.build.json', ...(tsconfig.extends ? [tsconfig.extends.replace(/^\.\//, '')] : []), ...tsconfig.include,
    ...[...pkg.scripts.build!.matchAll(/scripts\/[\w.-]+\.sh/g)].map((m) => m[0]),
    ...(pkg.scripts.build!.includes('with-node.sh') ? ['scripts/node-env.sh'] : []),
  ];
  for (const path of needed) expect({ path, copied: covered(copiedBefore(buildRun), path) }).toEqual({ path, copied: true });
});

describe('HEALTHCHECK', () => {
  const [check] = named(runtime, 'HEALTHCHECK');
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A stand-in walcast HTTP server answering `status` on `path` and 404 elsewhere; its port. */
  async function serve(path: string, status: number): Promise<number> {
    const server = createServer((req, res) => {
      res.writeHead(req.url === path ? status : 404).end();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  /** Runs the check's exec form (node = this Node) as Docker would, with WALCAST_HTTP_PORT set (and `env`). */
  function runCheck(port: number, env: NodeJS.ProcessEnv = {}): Promise<number | null> {
    const [cmd, ...args] = check!.exec!;
    const child = spawn(cmd === 'node' ? process.execPath : cmd!, args, {
      env: { PATH: process.env.PATH, WALCAST_HTTP_PORT: String(port), ...env },
      stdio: 'ignore',
    });
    return new Promise((r) => child.on('exit', (code) => r(code)));
  }

  test('is an exec-form command with interval, timeout and retries', () => {
    expect(check).toBeDefined();
    expect(check!.exec?.length).toBeGreaterThan(0);
    expect(Object.keys(check!.flags).sort()).toEqual(expect.arrayContaining(['interval', 'retries', 'timeout']));
  });

  test('passes when /health/live answers 200 (liveness, not readiness)', async () => {
    expect(await runCheck(await serve('/health/live', 200))).toBe(0);
  });

  test('reads the port walcast wrote to WALCAST_HTTP_PORT_FILE (http.port from the config file) before WALCAST_HTTP_PORT', async () => {
    const port = await serve('/health/live', 200);
    const file = join(tempDir('walcast-hc-'), 'http-port');
    writeFileSync(file, `${port}\n`);
    expect(await runCheck(1, { WALCAST_HTTP_PORT_FILE: file })).toBe(0);
    // No file yet (walcast still starting): WALCAST_HTTP_PORT.
    expect(await runCheck(port, { WALCAST_HTTP_PORT_FILE: join(tempDir('walcast-hc-'), 'absent') })).toBe(0);
    // The image names the file, so the check finds it.
    expect(named(runtime, 'ENV').some((e) => /WALCAST_HTTP_PORT_FILE=\S+/.test(e.args))).toBe(true);
  });

  test('fails when /health/live answers 503, when only other paths answer, and when nothing listens', async () => {
    expect(await runCheck(await serve('/health/live', 503))).toBe(1);
    expect(await runCheck(await serve('/health/ready', 200))).toBe(1);
    expect(await runCheck(await serve('/health', 200))).toBe(1);
    const closed = await serve('/health/live', 200);
    await new Promise((r) => servers.pop()!.close(r));
    expect(await runCheck(closed)).toBe(1);
  });
});

describe('.dockerignore', () => {
  const patterns = dockerignorePatterns();
  // Docker's patterns are Go filepath.Match globs relative to the context root; `**` any depth.
  const glob = (part: string) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  const toRegExp = (p: string) => new RegExp(`^${p.replace(/^\/+/, '').split('**').map(glob).join('.*')}(/.*)?$`);
  const ignored = (path: string) => patterns.some((p) => toRegExp(p).test(path));

  test('keeps the repository, dependencies, builds and runtime state out of the build context', () => {
    for (const path of ['.git', 'node_modules', 'node_modules/pg/package.json', 'dist/connector/cli.js', 'walcast-state/shop.state.json', 'npm-debug.log']) {
      expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: true });
    }
    // Exceptions (!pattern) would make the simple matcher above wrong.
    expect(patterns.filter((p) => p.startsWith('!'))).toEqual([]);
  });

  test('does not exclude anything the Dockerfile copies from the context, and every source exists', () => {
    const sources = stages.flatMap((s) => named(s, 'COPY').filter((c) => c.flags.from === undefined))
      .flatMap((c) => (c.exec ?? c.args.split(/\s+/)).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect({ src, ignored: ignored(src), exists: existsSync(join(ROOT, src)) }).toEqual({ src, ignored: false, exists: true });
    }
  });
});

import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './nats';
import { spawnDetachedReaper } from './reaper';
import { waitFor } from './wait';

// A real schema registry for the Avro tests: Apicurio Registry 3.0.9 (Quarkus, from Maven
// Central via scripts/fetch-apicurio.sh, cached in ~/.cache/walcast/apicurio), which serves the
// Confluent schema registry API at /apis/ccompat/v7. In-memory storage (its default, H2 in
// memory), a random port on 127.0.0.1, a small heap; polled with GET /subjects until it
// answers. Starts in ~3-6 s. A detached reaper kills the JVM if the test process dies first.

const ROOT = path.resolve(__dirname, '..', '..');
const FETCH_SCRIPT = path.join(ROOT, 'scripts', 'fetch-apicurio.sh');
const JAVA = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
const JVM_FLAGS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-XX:+ExitOnOutOfMemoryError', '-Xss512k', '-Djava.awt.headless=true'];

export interface SchemaRegistryHandle {
  /** Confluent-compatible base URL: http://127.0.0.1:<port>/apis/ccompat/v7 */
  readonly url: string;
  readonly pid: number | undefined;
  /** Milliseconds from spawn to the first answer. */
  readonly startMs: number;
  stop(): Promise<void>;
}

export interface SchemaRegistryOptions {
  /** Max heap. Default 192 MB. */
  heapMb?: number;
  /** Start-up deadline (the first run also resolves the archive with Maven). Default 3 min. */
  startTimeoutMs?: number;
}

export async function startSchemaRegistry(opts: SchemaRegistryOptions = {}): Promise<SchemaRegistryHandle> {
  const { stdout } = await promisify(execFile)('bash', [FETCH_SCRIPT], { maxBuffer: 1 << 20 });
  const jar = stdout.trim().split('\n').pop()!;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'walcast-registry-'));
  const port = await freePort();
  const logFile = path.join(dir, 'registry.log');
  const began = Date.now();
  const child: ChildProcess = spawn('bash', ['-c', 'exec "$@" >"$LOG" 2>&1', 'registry', JAVA,
    `-Xmx${opts.heapMb ?? 192}m`, ...JVM_FLAGS,
    `-Dquarkus.http.port=${port}`, '-Dquarkus.http.host=127.0.0.1',
    // Quiet: no access log per request, no banner.
    '-Dquarkus.http.access-log.enabled=false', '-Dquarkus.banner.enabled=false',
    '-jar', jar], { cwd: dir, stdio: 'ignore', env: { ...process.env, LOG: logFile } });
  const cancelReaper = spawnDetachedReaper('walcast-registry-reaper',
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null; rm -rf "$3"', [String(child.pid), dir]);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    cancelReaper();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`registry exited with ${child.exitCode}: ${await tail(logFile)}`);
      const res = await fetch(`${url}/subjects`).catch(() => undefined);
      return res?.ok === true;
    }, { timeoutMs: opts.startTimeoutMs ?? 180_000, intervalMs: 200, message: () => `Apicurio Registry on port ${port} to answer` });
  } catch (e) {
    const log = await tail(logFile);
    await stop();
    throw new Error(`schema registry did not start: ${(e as Error).message}\n${log}`, { cause: e });
  }
  return { url, pid: child.pid, startMs: Date.now() - began, stop };
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-20).join('\n');
}

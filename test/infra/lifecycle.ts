import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { INFRA_ENV, TestInfra } from './env';
import { PgServer, startPostgres } from './postgres';

// Starts and stops the servers of one integration run: PostgreSQL, one real Apache Kafka broker
// (kafka-broker.ts) and nats-server (nats.ts). The Kafka and NATS modules are optional: when the
// file is absent the service is skipped. Their contract: `startKafka()` / `startNats()` resolve
// with `{ info, stop() }` where `info` is JSON-serialisable. Tests that stop or kill a broker, or
// need a 3-broker cluster, start their own.

/** Handle contract of the optional service modules. */
export interface ServiceHandle {
  info: unknown;
  stop(): Promise<void>;
}

interface InfraState {
  pg?: PgServer;
  services: { name: string; handle: ServiceHandle }[];
  infraDir?: string;
  removeHooks?: () => void;
}

const STATE_KEY = Symbol.for('walcast.test.infra');
type StateHolder = { [STATE_KEY]?: InfraState };

/** Comma list in WALCAST_TEST_SERVICES (default all): pg always starts; kafka, nats optional. */
function wanted(name: string): boolean {
  const list = process.env.WALCAST_TEST_SERVICES;
  if (!list) return true;
  return list.split(',').map((s) => s.trim()).includes(name);
}

async function startOptional(
  name: 'kafka' | 'nats',
  module: 'kafka-broker' | 'nats',
  factory: 'startKafka' | 'startNats',
): Promise<ServiceHandle | undefined> {
  if (!wanted(name)) return undefined;
  const base = path.join(__dirname, module);
  if (!existsSync(`${base}.ts`) && !existsSync(`${base}.js`)) {
    process.stderr.write(`[walcast infra] ${name}: test/infra/${module}.ts not present, skipped\n`);
    return undefined;
  }
  const loaded = (await import(base)) as Record<string, unknown>;
  const start = loaded[factory];
  if (typeof start !== 'function') throw new Error(`test/infra/${module}.ts does not export ${factory}()`);
  const handle = (await (start as () => Promise<ServiceHandle>)()) as ServiceHandle;
  if (typeof handle?.stop !== 'function') throw new Error(`${factory}() must resolve with { info, stop }`);
  return handle;
}

export async function startInfra(): Promise<TestInfra> {
  const holder = globalThis as StateHolder;
  if (holder[STATE_KEY]) throw new Error('test infrastructure already started in this process');
  const state: InfraState = { services: [] };
  holder[STATE_KEY] = state;
  state.removeHooks = installCrashCleanup(state);
  try {
    // Start all three at once; on any failure stop whatever did start.
    const [pg, kafka, nats] = await Promise.allSettled([
      startPostgres(),
      startOptional('kafka', 'kafka-broker', 'startKafka'),
      startOptional('nats', 'nats', 'startNats'),
    ]);
    if (pg.status === 'fulfilled') state.pg = pg.value;
    if (kafka.status === 'fulfilled' && kafka.value) state.services.push({ name: 'kafka', handle: kafka.value });
    if (nats.status === 'fulfilled' && nats.value) state.services.push({ name: 'nats', handle: nats.value });
    const failed = [pg, kafka, nats].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (!state.pg) throw new Error('unreachable: PostgreSQL not started');

    const infra: TestInfra = {
      pg: {
        port: state.pg.port,
        host: state.pg.host,
        dataDir: state.pg.dataDir,
        socketDir: state.pg.socketDir,
        logFile: state.pg.logFile,
      },
    };
    for (const { name, handle } of state.services) {
      (infra as unknown as Record<string, unknown>)[name] = handle.info;
    }
    state.infraDir = await mkdtemp(path.join(os.tmpdir(), 'walcast-infra-'));
    const file = path.join(state.infraDir, 'infra.json');
    await writeFile(file, JSON.stringify(infra, null, 2));
    process.env[INFRA_ENV] = file;
    // The shared cluster's superuser pools are for workers; setup's own are done.
    await state.pg.close();
    return infra;
  } catch (err) {
    await stopInfra();
    throw err;
  }
}

/** Stops everything startInfra started; idempotent. */
export async function stopInfra(): Promise<void> {
  const holder = globalThis as StateHolder;
  const state = holder[STATE_KEY];
  if (!state) return;
  delete holder[STATE_KEY];
  state.removeHooks?.();
  const errors: unknown[] = [];
  for (const { handle } of state.services.reverse()) {
    await handle.stop().catch((err: unknown) => errors.push(err));
  }
  await state.pg?.stop().catch((err: unknown) => errors.push(err));
  if (state.infraDir) await rm(state.infraDir, { recursive: true, force: true });
  delete process.env[INFRA_ENV];
  if (errors.length > 0) throw new AggregateError(errors, 'stopping test infrastructure failed');
}

/**
 * If jest dies without running global teardown: on SIGINT/SIGTERM stop everything, then die of
 * the same signal; on 'exit' (only synchronous work possible) stop PostgreSQL. SIGKILL is
 * covered for PostgreSQL by the reaper process startPostgres spawns.
 */
function installCrashCleanup(state: InfraState): () => void {
  const onExit = (): void => state.pg?.stopSync();
  const onSignal = (signal: NodeJS.Signals): void => {
    removeHooks();
    void stopInfra()
      .catch(() => undefined)
      .finally(() => process.kill(process.pid, signal));
  };
  const removeHooks = (): void => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return removeHooks;
}

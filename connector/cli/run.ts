/**
 * `walcast run` and `walcast tail`: start the pipeline, serve /health and /metrics, stop on
 * SIGINT/SIGTERM. The pipeline is the CLI's only use of connector/pipeline, and it is loaded
 * lazily: validate and status never pull in the broker clients.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { WalcastConfig } from '../../config/types';
import { isConnectorError } from '../errors';
import { createHealthServer, type HealthState } from '../observe/health';
import { createLogger, type Logger } from '../observe/logger';
import { createMetrics, Metrics } from '../observe/metrics';
import { formatLsn } from '../protocol/lsn';
import { PHASES } from '../pipeline/lifecycle';
import { type CliIo, ExitCode, type SignalSource } from './io';
import { missingFlagsMessage, missingMemoryFlags } from './memory-flags';
import { type ConfigFiles, errorText, loadOrReport } from './validate';

export interface RunHandle {
  readonly done: Promise<void>;
  stop(reason: string): Promise<void>;
}

export type StartConnector = (
  config: WalcastConfig,
  deps: { logger: Logger; out?: NodeJS.WritableStream; onPhase?: (phase: string) => void; onConfirmed?: (lsn: bigint) => void; metrics?: Metrics; mode?: 'run' | 'tail' },
) => RunHandle;

export interface RunDeps {
  readonly startConnector?: StartConnector;
  readonly signals: SignalSource;
  /** Immediate exit on a second signal (process.exit in production). */
  exit(code: number): void;
  /** Defaults to JSON lines on io.stderr at the configured level. */
  readonly logger?: Logger;
}

/**
 * Health by pipeline phase: snapshotting and streaming are UP (ready); backoff means the
 * broker or the server is down; a standby is alive but not ready. Only `failed` is not live.
 */
export function healthOf(phase: string): Pick<HealthState, 'status' | 'live'> {
  const live = phase !== 'failed';
  if (phase === 'streaming' || phase === 'snapshotting') return { status: 'UP', live };
  if (phase === 'created' || phase === 'connecting') return { status: 'STARTING', live };
  return { status: 'DOWN', live };
}

/** Writes the bound health port for the image's HEALTHCHECK; a failure is logged, not fatal. */
function writePortFile(file: string, port: number, logger: Logger): void {
  try {
    writeFileSync(file, `${port}\n`);
  } catch (e) {
    logger.warn({ err: e, file }, 'cannot write the health port file (WALCAST_HTTP_PORT_FILE); the container health check falls back to WALCAST_HTTP_PORT');
  }
}

/**
 * Removes the port file at exit while it still names our port: a second `walcast run` in the
 * container (docker exec) that overwrote it must not leave the check probing a port nobody serves.
 */
function removePortFile(file: string, port: number): void {
  try {
    if (readFileSync(file, 'utf8') === `${port}\n`) unlinkSync(file);
  } catch {
    // Gone already, or never written.
  }
}

export async function runCommand(opts: ConfigFiles & { tail: boolean }, io: CliIo, deps: RunDeps): Promise<ExitCode> {
  // tail: envelopes to stdout, and no HTTP port (it usually runs beside a `run` that has it).
  const warnings: string[] = [];
  const config = loadOrReport(opts, io, opts.tail ? { sink: { type: 'stdout' }, http: { port: 0 } } : undefined, (w) => warnings.push(w));
  if (config === null) return ExitCode.CONFIG;
  const logger = deps.logger ?? createLogger({ level: config.log.level, format: config.log.format, name: config.name, destination: io.stderr });
  for (const w of warnings) logger.warn({}, w);
  const missing = missingMemoryFlags(process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length > 0 && !opts.tail) logger.info({ missing }, missingFlagsMessage(missing));
  let start: StartConnector;
  try {
    start = deps.startConnector ?? (await import('../pipeline/supervisor')).startConnector;
  } catch (e) {
    logger.error({ err: e }, 'cannot load the pipeline');
    return ExitCode.RUNTIME;
  }

  let phase = 'created';
  let confirmed: string | null = null;
  const metrics = createMetrics({ defaultMetrics: true, labels: { connector: config.name }, phases: PHASES });
  const health = config.http.port === 0 ? null : createHealthServer({
    port: config.http.port,
    state: () => ({ ...healthOf(phase), details: { phase, slot: config.source.slot, confirmedLsn: confirmed } }),
    metrics,
    logger,
  });
  // The image's HEALTHCHECK reads the port here: http.port may come from the config file, which
  // the check cannot read (deploy/Dockerfile sets WALCAST_HTTP_PORT_FILE).
  const portFile = io.env.WALCAST_HTTP_PORT_FILE;
  let bound: number | undefined;
  try {
    bound = await health?.start();
    if (bound !== undefined && portFile) writePortFile(portFile, bound, logger);
  } catch (e) {
    const inUse = (e as { code?: unknown }).code === 'EADDRINUSE';
    logger.error(inUse ? { port: config.http.port } : { err: e, port: config.http.port },
      inUse ? `cannot start the health server: port ${config.http.port} is in use (another walcast?); set http.port (WALCAST_HTTP_PORT) to a free port, or 0 for none`
        : 'cannot start the health server');
    return ExitCode.RUNTIME;
  }

  let signals = 0;
  let handle: RunHandle | null = null;
  const onSignal = (): void => {
    signals += 1;
    if (signals === 1) {
      logger.info({}, 'signal received: stopping (send it again to exit immediately)');
      void handle?.stop('signal');
    } else {
      logger.warn({}, 'second signal: exiting without a clean stop');
      deps.exit(ExitCode.RUNTIME);
    }
  };
  deps.signals.on('SIGINT', onSignal);
  deps.signals.on('SIGTERM', onSignal);
  try {
    handle = start(config, {
      logger,
      out: io.stdout,
      onPhase: (p) => { phase = p; },
      onConfirmed: (lsn) => { confirmed = formatLsn(lsn); metrics.confirmedLsn(lsn); },
      metrics,
      mode: opts.tail ? 'tail' : 'run',
    });
    if (signals > 0) void handle.stop('signal');
    await handle.done;
    if (opts.tail) logger.info({}, 'stopped');
    // Said at every stop: a first try leaves a slot behind that nothing else mentions.
    else logger.info({}, `stopped; slot "${config.source.slot}" kept: it holds WAL until walcast resumes (README: Removing a connector)`);
    return ExitCode.OK;
  } catch (e) {
    const configProblem = isConnectorError(e, 'CONFIG_INVALID');
    // Said once: the message carries the cause; the stack only helps with unexpected errors.
    if (isConnectorError(e)) {
      logger.error({ code: e.code, ...e.context }, `connector failed: ${errorText(e)}`);
      logger.debug({ err: e }, 'connector failure details');
    } else {
      logger.error({ err: e }, `connector failed: ${errorText(e)}`);
    }
    return configProblem ? ExitCode.CONFIG : ExitCode.RUNTIME;
  } finally {
    deps.signals.off('SIGINT', onSignal);
    deps.signals.off('SIGTERM', onSignal);
    await health?.stop();
    if (bound !== undefined && portFile) removePortFile(portFile, bound);
  }
}

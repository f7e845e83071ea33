import { loadConfig } from '../../config/load';
import { isConfigError } from '../../config/config-error';
import type { WalcastConfig } from '../../config/types';
import { errorMessage } from '../observe/log-error';
import { preflight } from '../source/preflight';
import { type CliIo, ExitCode, type PgSession, println } from './io';
import type { ProbeBroker } from '../sink/probe';
import { configSummary } from './summary';

export interface ValidateOptions extends ConfigFiles {
  readonly connect: boolean;
}

/** Where the CLI reads its configuration (besides WALCAST_* env). */
export interface ConfigFiles {
  /** JSON config file (`--config`). */
  readonly config?: string;
  /** Debezium Server application.properties (`--debezium-properties`), below the JSON file. */
  readonly debeziumProperties?: string;
}

export interface ValidateDeps {
  connect(url: string, applicationName: string): Promise<PgSession>;
  /** Broker reachability; defaults to connector/sink/probe (loaded only for --connect). */
  readonly probeBroker?: ProbeBroker;
}

/**
 * `walcast validate`: every config problem at once (exit 1), otherwise the summary (exit 0).
 * `--connect` also checks the server (preflight) and the broker, both before reporting:
 * server problems exit 1; a failed connection or query, to either, exits 2. "server OK" only
 * when both passed. Problems go to stderr, the summary and notes to stdout.
 */
export async function validateCommand(opts: ValidateOptions, io: CliIo, deps: ValidateDeps): Promise<ExitCode> {
  const config = loadOrReport(opts, io);
  if (config === null) return ExitCode.CONFIG;
  const files = [opts.debeziumProperties, opts.config].filter((f) => f !== undefined).join(', ');
  println(io.stdout, `config OK${files ? ` (${files})` : ''}`);
  for (const l of configSummary(config)) println(io.stdout, `  ${l}`);
  if (!opts.connect) return ExitCode.OK;

  const probe = deps.probeBroker ?? (await import('../sink/probe')).probeBroker;
  const [server, broker] = await Promise.all([checkServer(config, io, deps), probe(config)]);
  if (broker !== null) {
    if (broker.ok) println(io.stdout, `broker OK: ${broker.detail}`);
    else println(io.stderr, `broker check failed: ${broker.detail}`);
  }
  const brokerCode = broker === null || broker.ok ? ExitCode.OK : ExitCode.RUNTIME;
  const code = Math.max(server, brokerCode) as ExitCode;
  if (code === ExitCode.OK) println(io.stdout, 'server OK');
  return code;
}

/** Preflight on a normal connection; prints notes and problems, returns the exit code. */
async function checkServer(config: WalcastConfig, io: CliIo, deps: ValidateDeps): Promise<ExitCode> {
  let session: PgSession;
  try {
    session = await deps.connect(config.source.url, `walcast-validate-${config.name}`);
  } catch (e) {
    println(io.stderr, `server check failed: ${errorText(e)}`);
    return ExitCode.RUNTIME;
  }
  try {
    const result = await preflight(session, config);
    for (const n of result.notes) println(io.stdout, `note: ${n}`);
    if (result.problems.length > 0) {
      println(io.stderr, `server: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`);
      for (const p of result.problems) println(io.stderr, `  - ${p}`);
      return ExitCode.CONFIG;
    }
    return ExitCode.OK;
  } catch (e) {
    println(io.stderr, `server check failed: ${errorText(e)}`);
    return ExitCode.RUNTIME;
  } finally {
    await session.end().catch(() => undefined);
  }
}

/**
 * Loads the config; on ConfigError prints the problems and returns null. Other errors propagate.
 * Warnings (Debezium properties walcast ignores) go to `onWarning`, by default to stderr as a
 * `warning:` line (`run` logs them instead, once its logger exists).
 */
export function loadOrReport(files: ConfigFiles, io: CliIo, overrides?: object, onWarning?: (message: string) => void): WalcastConfig | null {
  try {
    return loadConfig({
      file: files.config, debeziumProperties: files.debeziumProperties, env: io.env, overrides,
      onWarning: onWarning ?? ((m) => { println(io.stderr, `warning: ${m}`); }),
    });
  } catch (e) {
    if (!isConfigError(e)) throw e;
    println(io.stderr, e.message);
    return null;
  }
}

/** `CODE: message` of an error, redacted (see observe/log-error.ts). */
export function errorText(e: unknown): string {
  return errorMessage(e);
}

/**
 * The injected logger interface. Library code never uses console.*; it receives a Logger.
 * Backed by pino in production: JSON lines, or on a terminal one human-readable line per entry
 * (pino-pretty); tests pass a capturing logger. Output goes through the stream's Console, so
 * lines written while progress bars are drawn appear above the bars, whole.
 */
import pino from 'pino';
import { consoleFor } from './console';
import { serializeError } from './log-error';
import { prettyLine } from './pretty-log';
import { redactFields, redactSecrets } from './redact';

export { redactUrl } from './redact';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  child(bindings: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
/** auto: pretty when the destination is a terminal, JSON otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Keys whose values are never logged (credentials inside strings are masked by `redactSecrets`). */
const REDACT_PATHS = ['password', '*.password', 'pass', '*.pass', 'token', '*.token', 'sasl', '*.sasl', 'nkeySeed', '*.nkeySeed'];

export interface LoggerOptions {
  level?: LogLevel;
  name?: string;
  /** Default process.stderr. */
  destination?: NodeJS.WritableStream;
  /** Default auto. */
  format?: LogFormat;
  /** Colours in pretty output. Default: when the destination is a terminal and NO_COLOR is unset. */
  colorize?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  // Logs go to stderr by default so stdout stays clean for envelopes (`walcast tail`).
  const out = consoleFor(options.destination ?? process.stderr);
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && out.isTTY)
    ? prettyLine(options.colorize ?? (out.isTTY && process.env.NO_COLOR === undefined))
    : null;
  const destination = { write: (line: string) => out.write(pretty ? pretty(line) : line) };
  const p = pino(
    {
      level: options.level ?? 'info',
      base: options.name ? { connector: options.name } : {},
      redact: { paths: REDACT_PATHS, censor: '***' },
      // wrap() already serialized `err`; this covers a raw error reaching pino another way.
      serializers: { err: (e: unknown) => (e instanceof Error ? serializeError(e) : e) },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
  return wrap(p);
}

function wrap(p: pino.Logger): Logger {
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (f: LogFields, m: string): void => {
    if (!p.isLevelEnabled(level)) return;
    p[level](scrub(f, m), redactSecrets(m));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (b) => wrap(p.child(redactFields(b))) };
}

/**
 * Redacts every string field and serializes `err`; when the message already contains the
 * error's message (`connector failed: ${error.message}`), the err field leaves it out
 * rather than saying it twice.
 */
function scrub(fields: LogFields, msg: string): LogFields {
  const { err, ...rest } = fields;
  const out = redactFields(rest);
  if (err !== undefined) {
    out.err = err instanceof Error
      ? serializeError(err, { omitMessage: err.message !== '' && msg.includes(err.message) })
      : redactFields(err);
  }
  return out;
}

/**
 * `logger`, whose info entries go out at debug while `demoted()` says so (its children too);
 * warn and error are untouched. The supervisor quiets a retried attempt's routine lines this way.
 */
export function demotable(logger: Logger, demoted: () => boolean): Logger {
  return {
    debug: (f, m) => logger.debug(f, m),
    info: (f, m) => (demoted() ? logger.debug(f, m) : logger.info(f, m)),
    warn: (f, m) => logger.warn(f, m),
    error: (f, m) => logger.error(f, m),
    child: (b) => demotable(logger.child(b), demoted),
  };
}

/** A logger that records entries in memory: for tests. */
export interface CapturedLog { level: LogLevel; msg: string; fields: LogFields }
export function createMemoryLogger(sink: CapturedLog[] = [], bindings: LogFields = {}): Logger & { entries: CapturedLog[] } {
  const make = (level: LogLevel) => (fields: LogFields, msg: string) => { sink.push({ level, msg, fields: { ...bindings, ...fields } }); };
  return {
    entries: sink,
    debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error'),
    child: (b) => createMemoryLogger(sink, { ...bindings, ...b }),
  };
}

export const silentLogger: Logger = {
  debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined,
  child: () => silentLogger,
};

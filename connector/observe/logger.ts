/**
 * The injected logger interface. Library code never uses console.*; it receives a Logger.
 * Backed by pino in production (JSON lines on stderr/stdout); tests pass a capturing logger.
 */
import pino from 'pino';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  child(bindings: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Keys whose values are never logged (passwords in URLs are masked by `redactUrl`). */
const REDACT_PATHS = ['password', '*.password', 'pass', '*.pass', 'token', '*.token', 'sasl', '*.sasl', 'nkeySeed', '*.nkeySeed'];

export function createLogger(options: { level?: LogLevel; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const p = pino(
    {
      level: options.level ?? 'info',
      base: options.name ? { connector: options.name } : {},
      redact: { paths: REDACT_PATHS, censor: '***' },
      serializers: { err: pino.stdSerializers.err },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Logs go to stderr by default so stdout stays clean for envelopes (`walcast tail`).
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
  return wrap(p);
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (f, m) => p.debug(f, m),
    info: (f, m) => p.info(f, m),
    warn: (f, m) => p.warn(f, m),
    error: (f, m) => p.error(f, m),
    child: (b) => wrap(p.child(b)),
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

/** `postgres://user:secret@host/db` -> `postgres://user:***@host/db`. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

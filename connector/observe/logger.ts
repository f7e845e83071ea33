/**
 * The injected logger interface. Library code never uses console.*; it receives a Logger.
 * Backed by pino in production: JSON lines, or on a terminal one human-readable line per entry
 * (pino-pretty); tests pass a capturing logger. Output goes through the stream's Console, so
 * lines written while progress bars are drawn appear above the bars, whole.
 */
import pino from 'pino';
import { consoleFor } from './console';
import { prettyLine, summarizeError } from './pretty-log';

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

/** Keys whose values are never logged (passwords in URLs are masked by `redactUrl`). */
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
      serializers: { err: pretty ? summarizeError : pino.stdSerializers.err },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
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

/**
 * The human-readable log format for a terminal: `[12:00:01.234] WARN: message {"field":1}`, one
 * line per entry (pino-pretty, fed each of pino's JSON lines synchronously). An error shows only the
 * parts of its message and of its causes' messages that the log message does not already say
 * (ours usually say it all); the stack stays in the JSON format.
 */
import { prettyFactory } from 'pino-pretty';

/** `err` as log-error.ts serializes it. */
interface LoggedErrorText {
  readonly message?: string;
  readonly cause?: unknown;
}

export function prettyLine(colorize: boolean): (line: string) => string {
  const pretty = prettyFactory({ colorize, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'connector', errorLikeObjectKeys: [] });
  return (line) => {
    let log: Record<string, unknown>;
    try {
      log = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return line;
    }
    if ('err' in log) {
      const text = newErrorText(log.err, typeof log.msg === 'string' ? log.msg : '');
      if (text === null) delete log.err;
      else log.err = text;
    }
    return pretty(log);
  };
}

function newErrorText(value: unknown, msg: string): string | null {
  const e = (typeof value === 'object' && value !== null ? value : { message: String(value) }) as LoggedErrorText;
  const parts = [e.message ?? '', typeof e.cause === 'string' ? e.cause : ''].filter((p) => p !== '' && !msg.includes(p));
  return parts.length > 0 ? parts.join(': ') : null;
}

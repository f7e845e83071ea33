/**
 * How an error appears in a JSON log line (`err` field), replacing pino's standard serializer,
 * which appends every cause's message to the message and every cause's stack to the stack:
 * fromPgError already puts the server's message into ours, so a password failure read
 * "…: password authentication failed …: password authentication failed …" plus two stacks.
 *
 * - A ConnectorError is an expected, classified failure: code, message, retriable and its
 *   context, no stack. Its cause is shown only when the message does not already say it.
 * - Anything else is a bug or an unclassified failure: message and stack, and its cause.
 * Every string is redacted.
 */
import { ConnectorError } from '../errors';
import { redactFields, redactSecrets } from './redact';

export interface LoggedError {
  type: string;
  message?: string;
  code?: string;
  retriable?: boolean;
  stack?: string;
  cause?: string;
  [context: string]: unknown;
}

export function serializeError(e: unknown, opts: { omitMessage?: boolean } = {}): LoggedError {
  if (e instanceof ConnectorError) {
    const out: LoggedError = { type: e.name, code: e.code, retriable: e.retriable };
    if (!opts.omitMessage) out.message = redactSecrets(e.message);
    Object.assign(out, redactFields({ ...e.context }));
    const cause = causeText(e.cause);
    if (cause !== undefined && !e.message.includes(cause)) out.cause = redactSecrets(cause);
    return out;
  }
  if (e instanceof Error) {
    const out: LoggedError = { type: e.name };
    if (!opts.omitMessage) out.message = redactSecrets(e.message);
    if (e.stack !== undefined) out.stack = redactSecrets(e.stack);
    const cause = causeText(e.cause);
    if (cause !== undefined && !e.message.includes(cause)) out.cause = redactSecrets(cause);
    return out;
  }
  return { type: typeof e, message: redactSecrets(String(e)) };
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The text of an error in `msg`-like position, redacted: `CODE: message` for ConnectorErrors. */
export function errorMessage(e: unknown): string {
  if (e instanceof ConnectorError) return redactSecrets(`${e.code}: ${e.message}`);
  return redactSecrets(e instanceof Error ? e.message : String(e));
}

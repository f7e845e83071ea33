/**
 * Retry in one place: exponential backoff with jitter, used by the supervisor (session
 * restarts) and the sinks. Programming errors (TypeError, RangeError) and non-retriable
 * ConnectorErrors are never retried.
 */
import { ConnectorError, fromPgError, isConnectorError } from './errors';

export interface BackoffPolicy {
  /** Delay before the first retry (upper bound of its jitter range). */
  readonly initialMs: number;
  /** Upper bound of one delay. */
  readonly maxMs: number;
}

/**
 * Delay before attempt `attempt` (1 = first retry): exponential, capped, with "equal jitter"
 * (half fixed, half random) so restarting connectors do not retry in lockstep.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

export function isRetriable(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return false;
  return isConnectorError(error) ? error.retriable : false;
}

/** Resolves after `ms`, or early (false) when the signal aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => { clearTimeout(timer); resolve(false); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(true); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function asConnectorError(error: unknown, fallbackMessage: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  // A PostgreSQL error that no caller wrapped: classified by its SQLSTATE (a lost connection,
  // class 08, stays retriable), not stopped for good as ABORTED.
  if (hasSqlState(error)) return fromPgError(error, 'PG_QUERY', fallbackMessage);
  return new ConnectorError('ABORTED', `${fallbackMessage}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, retriable: false });
}

/** An error the server sent: it carries a SQLSTATE. */
function hasSqlState(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  // No SQLSTATE class starts with E; Node's errno codes do (EPIPE, EPERM).
  return typeof code === 'string' && /^(?!E)[0-9A-Z]{5}$/.test(code);
}

/**
 * Retry in one place: exponential backoff with jitter. Programming errors (TypeError,
 * RangeError) and non-retriable ConnectorErrors are never retried.
 */
import { ConnectorError, isConnectorError } from '../errors';

export interface RetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor?: number;
  /** Fraction of the delay randomised, 0..1. */
  readonly jitter?: number;
}

export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * Math.pow(policy.factor ?? 2, attempt));
  const jitter = policy.jitter ?? 0.2;
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())));
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
  return new ConnectorError('ABORTED', `${fallbackMessage}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, retriable: false });
}

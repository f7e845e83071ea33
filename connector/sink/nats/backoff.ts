/** Retry policy for JetStream publishes; tests inject a fast one instead of sleeping. */
export interface RetryPolicy {
  /** First delay before retrying a publish. */
  readonly initialMs: number;
  /** Upper bound of one delay. */
  readonly maxMs: number;
  /** Attempts per record (the first send included) before the sink gives up with SINK_SEND. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 100, maxMs: 5000, maxAttempts: 12 };

/**
 * Delay before attempt `attempt` (1 = first retry): exponential, capped, with "equal jitter"
 * (half fixed, half random) so restarting connectors do not retry in lockstep.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

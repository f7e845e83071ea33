/** Retry policy for JetStream publishes; tests inject a fast one instead of sleeping. */
import type { BackoffPolicy } from '../../retry';

export interface RetryPolicy extends BackoffPolicy {
  /** Attempts per record (the first send included) before the sink gives up with SINK_SEND. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 100, maxMs: 5000, maxAttempts: 12 };


// Polling with a deadline: integration tests wait for a condition instead of sleeping.

export interface WaitOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /** Pause between probes. Default 25 ms. */
  intervalMs?: number;
  /** What was awaited, for the timeout error; a function is called only on timeout. */
  message?: string | (() => string);
}

/** A probe result of `undefined` or `false` means "not yet"; anything else is the answer. */
export type Probe<T> = () => Promise<T | undefined | false> | T | undefined | false;

/**
 * Calls `probe` until it returns something other than `undefined`/`false` and resolves with it.
 * A probe that throws counts as "not yet" (servers refuse connections while starting); when the
 * deadline passes, the error names what was awaited and carries the last probe error as `cause`.
 */
export async function waitFor<T>(probe: Probe<T>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let lastError: unknown;
  for (;;) {
    attempts += 1;
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await pause(Math.min(intervalMs, left));
  }
  const what = typeof opts.message === 'function' ? opts.message() : (opts.message ?? 'condition');
  const detail = lastError === undefined ? '' : `; last probe error: ${describe(lastError)}`;
  throw new Error(`waitFor timed out after ${timeoutMs} ms (${attempts} probes): ${what}${detail}`, {
    cause: lastError,
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

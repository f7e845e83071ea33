import { waitFor } from '../../infra/wait';

function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (err: unknown) => err as Error,
  );
}

test('resolves with the first value that is not undefined or false', async () => {
  let calls = 0;
  const value = await waitFor(() => {
    calls += 1;
    if (calls === 1) return undefined;
    if (calls === 2) return false;
    return calls === 3 ? 0 : 99;
  }, { intervalMs: 1 });
  // 0 is an answer, not "not yet".
  expect(value).toBe(0);
  expect(calls).toBe(3);
});

test('keeps polling through probe errors and accepts async probes', async () => {
  let calls = 0;
  const value = await waitFor(async () => {
    calls += 1;
    if (calls < 3) throw new Error('connection refused');
    return 'up';
  }, { intervalMs: 1 });
  expect(value).toBe('up');
});

test('times out with the message, the probe count and the last probe error as cause', async () => {
  const probeError = new Error('ECONNREFUSED');
  const failure = await failureOf(waitFor(() => {
    throw probeError;
  }, { timeoutMs: 60, intervalMs: 5, message: () => 'slot to be active' }));
  expect(failure.message).toMatch(/^waitFor timed out after 60 ms \(\d+ probes\): slot to be active; last probe error: Error: ECONNREFUSED$/);
  expect(failure.cause).toBe(probeError);
});

test('a probe that stopped throwing clears the last error', async () => {
  let calls = 0;
  const failure = await failureOf(waitFor(() => {
    calls += 1;
    if (calls === 1) throw new Error('early');
    return false;
  }, { timeoutMs: 40, intervalMs: 5, message: 'never' }));
  expect(failure.message).toMatch(/: never$/);
  expect(failure.cause).toBeUndefined();
});

import { backoffDelay } from '../../../../connector/sink/nats/backoff';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1000, maxAttempts: 5 };
  it('doubles per attempt between half and all of the step, capped at maxMs', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 1)).toBe(400);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 10, () => 0)).toBe(500);
  });
});

import { asConnectorError, backoffDelay, isRetriable } from '../../connector/retry';
import { ConnectorError } from '../../connector/errors';

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

describe('isRetriable', () => {
  it('retries retriable connector errors only, never programming errors', () => {
    expect(isRetriable(new ConnectorError('SINK_SEND', 'broker down'))).toBe(true);
    expect(isRetriable(new ConnectorError('CONFIG_INVALID', 'bad'))).toBe(false);
    expect(isRetriable(new ConnectorError('SINK_SEND', 'authorization', { retriable: false }))).toBe(false);
    expect(isRetriable(new TypeError('x is undefined'))).toBe(false);
    expect(isRetriable(new Error('unknown'))).toBe(false);
  });
});

describe('asConnectorError', () => {
  const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

  it('classifies an unwrapped server error by its SQLSTATE instead of stopping for good', () => {
    const lost = asConnectorError(pgError('57P01', 'terminating connection due to administrator command'), 'connector failed');
    expect([lost.code, lost.retriable]).toEqual(['PG_CONNECT', true]);
    const denied = asConnectorError(pgError('42501', 'must be owner of table t'), 'connector failed');
    expect([denied.code, denied.retriable, denied.message]).toEqual(['PG_PRIVILEGE', false, 'connector failed: must be owner of table t']);
  });

  it('anything else is ABORTED and not retried, a Node errno code included', () => {
    for (const e of [new Error('boom'), pgError('EPIPE', 'write EPIPE'), 'text']) {
      const c = asConnectorError(e, 'connector failed');
      expect([c.code, c.retriable]).toEqual(['ABORTED', false]);
    }
  });
});

import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError, TimeoutError } from '@platformatic/kafka';
import { describeError, isPermanent } from '../../../../connector/sink/kafka/client-errors';

// Shapes as the library builds them (see kafka-sink-auth.test.ts for the live ones).
const attempts = (...errors: Error[]) => new MultipleErrors('initProducerId failed 3 times.', errors);
const connectFailed = (cause: Error) => new MultipleErrors('Cannot connect to any broker.', [new NetworkError('Connection to b:9092 failed.', { cause })]);

test('a failed SASL login inside a retriable connection error is permanent, and its reason is shown', () => {
  const auth = new AuthenticationError('SASL authentication failed.');
  const e = attempts(connectFailed(auth), connectFailed(auth));
  expect(isPermanent(e)).toBe(true);
  expect(describeError(e)).toBe('initProducerId failed 3 times. Cause: SASL authentication failed.');
});

test('an untrusted broker certificate is permanent', () => {
  const tls = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  expect(isPermanent(attempts(connectFailed(tls)))).toBe(true);
  expect(describeError(attempts(connectFailed(tls)))).toContain('unable to verify the first certificate');
});

test('non-retriable broker errors are permanent; connection failures and timeouts are not', () => {
  expect(isPermanent(attempts(new ProtocolError('MESSAGE_TOO_LARGE')))).toBe(true);
  expect(isPermanent(attempts(new ProtocolError('NOT_LEADER_OR_FOLLOWER')))).toBe(false);
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  expect(isPermanent(attempts(connectFailed(refused)))).toBe(false);
  expect(isPermanent(new TimeoutError('Request timed out after 2000 ms.'))).toBe(false);
  expect(isPermanent('boom')).toBe(false);
  expect(describeError('boom')).toBe('boom');
});

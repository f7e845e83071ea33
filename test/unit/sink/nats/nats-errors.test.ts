// Error classification against the client's own error classes, wrapped the way the client wraps them.
import { JetStreamApiError } from '@nats-io/jetstream';
import { AuthorizationError, ClosedConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import {
  apiErrorCode, isAuthError, isNoResponders, isRetriableNatsError, JS_STREAM_NOT_FOUND, tlsCertificateProblem,
} from '../../../../connector/sink/nats/nats-errors';

// What a publish to an unanswered subject rejects with: JetStreamNotEnabled (not exported)
// -> RequestError -> NoRespondersError.
const noResponders = new Error('jetstream is not enabled', { cause: new RequestError('503', { cause: new NoRespondersError('shop.public.t') }) });
const apiError = (code: number, errCode: number) => new JetStreamApiError({ code, err_code: errCode, description: `api ${code}/${errCode}` });

describe('NATS error classification', () => {
  it('retries a missing PubAck, no responders and a 503 API error, wrapped or not', () => {
    expect(isRetriableNatsError(new TimeoutError())).toBe(true);
    expect(isRetriableNatsError(new Error('wrapped', { cause: new TimeoutError() }))).toBe(true);
    expect(isRetriableNatsError(noResponders)).toBe(true);
    expect(isRetriableNatsError(apiError(503, 10008))).toBe(true);
  });

  it('does not retry what another attempt cannot fix', () => {
    expect(isRetriableNatsError(apiError(400, 10054))).toBe(false);
    expect(isRetriableNatsError(new RequestError('connection closed', { cause: new ClosedConnectionError() }))).toBe(false);
    expect(isRetriableNatsError(new AuthorizationError('Authorization Violation'))).toBe(false);
    expect(isRetriableNatsError(new TypeError('x'))).toBe(false);
    expect(isRetriableNatsError('TIMEOUT')).toBe(false);
  });

  it('finds no responders only where the client put it', () => {
    expect(isNoResponders(noResponders)).toBe(true);
    expect(isNoResponders(new TimeoutError())).toBe(false);
  });

  it('reads the JetStream err_code of API errors only', () => {
    expect(apiErrorCode(apiError(404, JS_STREAM_NOT_FOUND))).toBe(JS_STREAM_NOT_FOUND);
    expect(apiErrorCode(new Error('no stream'))).toBeUndefined();
  });

  it('auth and TLS trust failures are recognised through causes, TLS by Node error code', () => {
    expect(isAuthError(new Error('connect failed', { cause: new AuthorizationError('Authorization Violation') }))).toBe(true);
    expect(isAuthError(new TimeoutError())).toBe(false);
    const tls = Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(tlsCertificateProblem(tls)).toBe('server-untrusted');
    expect(tlsCertificateProblem(new Error('wrapped', { cause: tls }))).toBe('server-untrusted');
    const alert = Object.assign(new Error('sslv3 alert bad certificate'), { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' });
    expect(tlsCertificateProblem(alert)).toBe('client-refused');
    // OpenSSL 3.5 (Node 24) names the same alert differently.
    expect(tlsCertificateProblem(Object.assign(new Error('ssl/tls alert bad certificate'), { code: 'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE' }))).toBe('client-refused');
    expect(tlsCertificateProblem(Object.assign(new Error('x'), { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }))).toBe('client-refused');
    expect(tlsCertificateProblem(Object.assign(new Error('x'), { code: 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE' }))).toBeNull();
    expect(tlsCertificateProblem(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeNull();
  });

  it('stops at a cause cycle', () => {
    const a: Error = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(isRetriableNatsError(a)).toBe(false);
  });
});

/**
 * Classifies errors of the NATS client (@nats-io 3.x). The 3.x client throws error classes, not
 * 2.x's `NatsError` codes, and wraps: a publish to a subject nobody answers rejects with
 * `JetStreamNotEnabled` whose cause is a `RequestError` whose cause is `NoRespondersError`.
 * So every test walks the cause chain.
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { AuthorizationError, NoRespondersError, RequestError, TimeoutError, UserAuthenticationExpiredError } from '@nats-io/transport-node';

/** JetStream API error code for "stream not found" (also thrown by `streams.find`). */
export const JS_STREAM_NOT_FOUND = 10059;
/** "stream name already in use with a different configuration": lost a create race. */
export const JS_STREAM_NAME_IN_USE = 10058;

/**
 * `e` and its causes, outermost first (bounded: a cause cycle cannot hang us). Any object counts:
 * errors from Node's own modules (tls) fail `instanceof Error` when created in another realm
 * (jest's module sandbox), and their `code` is what identifies them.
 */
function chain(e: unknown): Array<{ cause?: unknown; code?: unknown }> {
  const out: Array<{ cause?: unknown; code?: unknown }> = [];
  for (let c = e; typeof c === 'object' && c !== null && out.length < 8; c = (c as { cause?: unknown }).cause) out.push(c);
  return out;
}

/**
 * No server subscriber for the request subject. For a JetStream publish: no stream stores the
 * subject, or JetStream is (for the moment) not answering, e.g. during a stream leader election.
 */
export function isNoResponders(e: unknown): boolean {
  return chain(e).some((c) => c instanceof NoRespondersError || (c instanceof RequestError && c.isNoResponders()));
}

/**
 * Errors after which the same publish (same Nats-Msg-Id) may succeed: no PubAck within the
 * timeout (the message may or may not be stored: the duplicate window sorts that out), no
 * responders, or a JetStream API error with status 503 (stream temporarily unavailable).
 */
export function isRetriableNatsError(e: unknown): boolean {
  return chain(e).some((c) => c instanceof TimeoutError || (c instanceof JetStreamApiError && c.status === 503)) || isNoResponders(e);
}

/** The JetStream API `err_code` of `e` (e.g. JS_STREAM_NOT_FOUND), if it is an API error. */
export function apiErrorCode(e: unknown): number | undefined {
  return e instanceof JetStreamApiError ? e.code : undefined;
}

/** The server refused our credentials (authorization violation, expired user JWT). */
export function isAuthError(e: unknown): boolean {
  return chain(e).some((c) => c instanceof AuthorizationError || c instanceof UserAuthenticationExpiredError);
}

/** Node's codes for a server certificate we do not trust or that names another host. */
const SERVER_CERT_UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE',
]);

/**
 * TLS alerts the server sends about our client certificate (missing, not from a CA it trusts,
 * expired). Node names them after OpenSSL's reason strings, which changed between OpenSSL
 * versions (`ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE` in Node 20, `ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE`
 * in Node 24), so the alert name after `_ALERT_` is what is compared.
 */
const CLIENT_CERT_ALERTS = new Set([
  'BAD_CERTIFICATE', 'CERTIFICATE_REQUIRED', 'UNKNOWN_CA', 'CERTIFICATE_UNKNOWN', 'CERTIFICATE_EXPIRED',
  'UNSUPPORTED_CERTIFICATE', 'CERTIFICATE_REVOKED',
]);

/** OpenSSL's refusal of a certificate and key that do not belong together. */
const KEY_MISMATCH = 'ERR_OSSL_X509_KEY_VALUES_MISMATCH';

function clientCertRefused(code: string): boolean {
  if (code === KEY_MISMATCH) return true;
  const alert = /^ERR_SSL_.*_ALERT_([A-Z_]+)$/.exec(code);
  return alert !== null && CLIENT_CERT_ALERTS.has(alert[1]!);
}

/**
 * A certificate problem retrying cannot fix: we do not trust the server's certificate
 * (`server-untrusted`: sink.nats.tlsCaFile), or the server or OpenSSL refused ours
 * (`client-refused`: sink.nats.tlsCertFile/tlsKeyFile). Null for anything else.
 */
export function tlsCertificateProblem(e: unknown): 'server-untrusted' | 'client-refused' | null {
  for (const c of chain(e)) {
    if (typeof c.code !== 'string') continue;
    if (SERVER_CERT_UNTRUSTED.has(c.code)) return 'server-untrusted';
    if (clientCertRefused(c.code)) return 'client-refused';
  }
  return null;
}

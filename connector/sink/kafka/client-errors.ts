/**
 * Reading @platformatic/kafka's errors. The library nests them: a retried operation fails with
 * a MultipleErrors (AggregateError) of every attempt's error, each of which may wrap its reason
 * in `cause` (a NetworkError "Connection failed" whose cause is the SASL or TLS failure). Its
 * own `findErrorBy` looks through `errors` but not `cause`, so it retries a failed SASL login
 * like a dropped connection; walcast walks both.
 */

const MAX_DEPTH = 8;

/** Node's TLS verification failures: the broker's certificate is not trusted or does not match. */
const TLS_VERIFY = /^(UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

interface LibraryError extends Error {
  readonly code?: unknown;
  readonly canRetry?: unknown;
  readonly errors?: unknown;
}

/**
 * Structural, not `instanceof Error`: under Jest's VM modules the library's errors come from
 * another realm, and a structural check costs nothing elsewhere.
 */
function isError(e: unknown): e is LibraryError {
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string';
}

function children(e: LibraryError): unknown[] {
  const out: unknown[] = Array.isArray(e.errors) ? [...(e.errors as unknown[])] : [];
  if (e.cause !== undefined) out.push(e.cause);
  return out;
}

function some(e: unknown, test: (e: LibraryError) => boolean, depth = 0): boolean {
  if (!isError(e) || depth > MAX_DEPTH) return false;
  return test(e) || children(e).some((c) => some(c, test, depth + 1));
}

/**
 * An answer retrying cannot change: a broker error the library marks non-retriable
 * (authorization, message too large, invalid replication factor, ...), failed SASL
 * authentication, or a broker certificate that does not verify. Connection errors, request
 * timeouts and exhausted retries stay retriable: the pipeline restarts and tries again.
 */
export function isPermanent(e: unknown): boolean {
  return some(e, (x) =>
    (x.code === 'PLT_KFK_PROTOCOL' && x.canRetry === false) ||
    x.code === 'PLT_KFK_AUTHENTICATION' ||
    (typeof x.code === 'string' && TLS_VERIFY.test(x.code)));
}

/** The message of the error, followed by the innermost reason of its last attempt. */
export function describeError(e: unknown): string {
  if (!isError(e)) return String(e);
  let cur: LibraryError = e;
  const reasons: string[] = [];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const next = children(cur);
    const last = next[next.length - 1];
    if (!isError(last)) break;
    cur = last;
    const server = (cur as { response?: { errorMessage?: unknown } }).response?.errorMessage;
    reasons.push(typeof server === 'string' && server !== '' ? `${cur.message} (${server})` : cur.message);
  }
  const root = reasons.length > 0 ? reasons[reasons.length - 1] : undefined;
  return root && root !== e.message ? `${e.message} Cause: ${root}` : e.message;
}

/** True when `e` or an error it wraps is the broker's answer with one of these error codes. */
function answered(e: unknown, codes: readonly string[]): boolean {
  return some(e, (x) => {
    const id = (x as { apiId?: unknown }).apiId;
    return typeof id === 'string' && codes.includes(id);
  });
}

/**
 * The broker fenced this producer: another one initialised the same transactional.id (a newer
 * epoch), so this one may never write again. PRODUCER_FENCED from the coordinator,
 * INVALID_PRODUCER_EPOCH from a partition leader.
 */
export function isFenced(e: unknown): boolean {
  return answered(e, ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH']);
}

/** The broker refused a record batch as larger than the topic's max.message.bytes. */
export function isTooLarge(e: unknown): boolean {
  return answered(e, ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
}

/** The transaction timeout asked for is above the broker's transaction.max.timeout.ms. */
export function isInvalidTransactionTimeout(e: unknown): boolean {
  return answered(e, ['INVALID_TRANSACTION_TIMEOUT']);
}

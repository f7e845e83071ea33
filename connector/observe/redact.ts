/**
 * The one place secrets are masked. Every text walcast prints — log messages and fields, error
 * messages, `validate` and `status` output — passes through `redactSecrets`.
 *
 * Credential forms pg (pg-connection-string) accepts, and what is masked:
 * - URL userinfo `postgres://user:pass@host`: the password, up to the *last* `@` of the URL
 *   (WHATWG URL parsing, which pg uses, takes the last one, so an unencoded `@` belongs to
 *   the password);
 * - query parameters `?password=…` / `&sslpassword=…` (pg copies every query parameter into
 *   the connection settings), and the same keys in libpq `key=value` strings, quoted or not;
 * - the values themselves, wherever they appear: the password of a configured URL (raw and
 *   percent-decoded), `PGPASSWORD`, SASL/NATS secrets. These are registered with
 *   `rememberSecret` when the config is loaded.
 */

const MASK = '***';

/**
 * Values shorter than this are not searched for as free text (masking every "ab" in a log
 * would make it unreadable); they are still masked in the URL and key=value forms above.
 */
const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();

/** Masks `value` wherever it appears from now on, in this process. */
export function rememberSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  try {
    const decoded = decodeURIComponent(value);
    if (decoded.length >= MIN_SECRET_LENGTH) secrets.add(decoded);
  } catch { /* not percent-encoded */ }
}

/** Registers the password of a connection URL (and its query-parameter passwords). */
export function rememberUrlSecrets(url: string): void {
  for (const m of url.matchAll(URL_USERINFO)) rememberSecret(m[3]);
  for (const m of url.matchAll(PASSWORD_PARAM)) rememberSecret(unquote(m[3]));
}

/** For tests: forget what rememberSecret registered. */
export function forgetSecrets(): void {
  secrets.clear();
}

// scheme://user:password@ — the password runs to the last `@` before whitespace or a quote.
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@"'<>]*):([^\s"'<>]*)@/gi;
// password=value / sslpassword=value after `?`, `&`, `;`, whitespace or the start; value is
// 'quoted' (libpq), "quoted", or runs to `&`, `#`, whitespace or a quote.
const PASSWORD_PARAM = /(^|[?&;\s])((?:ssl)?pass(?:word)?\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^&#\s"']*)/gi;

function unquote(v: string): string {
  return /^(['"]).*\1$/s.test(v) ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/** Masks every credential form listed above in `text`. */
export function redactSecrets(text: string): string {
  // Known values first: they are exact, where the patterns below must guess where a value ends.
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(MASK);
  out = out.replace(URL_USERINFO, (m, scheme: string, user: string, pass: string) => (pass === MASK ? m : `${scheme}${user}:${MASK}@`));
  out = out.replace(PASSWORD_PARAM, (m, lead: string, key: string, value: string) => (value.startsWith(MASK) ? m : `${lead}${key}${MASK}`));
  return out;
}

/** A connection URL for display. Same as redactSecrets; the name says what the caller holds. */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}

/**
 * A copy of a log-fields object with every string redacted, descending into plain objects and
 * arrays (bounded depth; cycles are cut). Errors are left to the error serializer.
 */
export function redactFields<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (depth > 5 || value === null || typeof value !== 'object' || value instanceof Error || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => redactFields(v, depth + 1)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactFields(v, depth + 1);
  return out as T;
}

/**
 * The record format of a Debezium configuration -> sink.kafka.format and
 * sink.kafka.schemaRegistry. Two spellings are read:
 * - Kafka Connect's: `key.converter` / `value.converter` (io.confluent.connect.avro.AvroConverter
 *   or org.apache.kafka.connect.json.JsonConverter) with the converter's own settings below
 *   `key.converter.` / `value.converter.`;
 * - Debezium Server's: `debezium.format.key` / `debezium.format.value` (avro or json) with the
 *   converter settings below `debezium.format.key.` / `debezium.format.value.`.
 * Converter settings read: `schema.registry.url`, `basic.auth.credentials.source` (USER_INFO or
 * URL) and `basic.auth.user.info` (`user:password`; also as `schema.registry.basic.auth.user.info`).
 * walcast writes key and value alike, against one registry: differing settings are a problem.
 */
type Get = (key: string) => string | undefined;
type Set = (path: string, value: unknown) => void;

const CONFLUENT_AVRO = 'io.confluent.connect.avro.AvroConverter';
const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';

type Format = 'json' | 'avro';

interface Side {
  readonly format?: Format;
  readonly url?: string;
  readonly username?: string;
  readonly password?: string;
}

export function mapRecordFormat(get: Get, set: Set, problems: string[]): void {
  const key = side('key', get, problems);
  const value = side('value', get, problems);
  const format = value.format ?? key.format;
  if (format === undefined) return;
  if (key.format !== undefined && value.format !== undefined && key.format !== value.format) {
    problems.push(`key and value formats: "${key.format}" and "${value.format}" differ; walcast writes keys and values alike (sink.kafka.format)`);
    return;
  }
  set('sink.kafka.format', format);
  if (format !== 'avro') return;
  for (const k of ['url', 'username', 'password'] as const) {
    if (key[k] !== undefined && value[k] !== undefined && key[k] !== value[k]) {
      problems.push(`key and value schema registry ${k === 'url' ? 'URLs' : 'credentials'} differ; walcast uses one registry for both`);
      return;
    }
  }
  const url = value.url ?? key.url;
  if (url !== undefined) set('sink.kafka.schemaRegistry.url', url);
  const username = value.username ?? key.username;
  if (username !== undefined) {
    set('sink.kafka.schemaRegistry.username', username);
    set('sink.kafka.schemaRegistry.password', value.password ?? key.password ?? '');
  }
}

function side(which: 'key' | 'value', get: Get, problems: string[]): Side {
  const out: { -readonly [K in keyof Side]: Side[K] } = {};
  const connectKey = `${which}.converter`;
  const serverKey = `debezium.format.${which}`;
  const converter = get(connectKey)?.trim();
  if (converter !== undefined) {
    if (converter === CONFLUENT_AVRO) out.format = 'avro';
    else if (converter === JSON_CONVERTER) out.format = 'json';
    else problems.push(`${connectKey}: "${converter}" is not supported (walcast writes ${JSON_CONVERTER}'s JSON or ${CONFLUENT_AVRO}'s Avro)`);
  }
  const server = get(serverKey)?.trim().toLowerCase();
  if (server !== undefined) {
    if (server === 'avro' || server === 'json') {
      if (out.format !== undefined && out.format !== server) problems.push(`${serverKey}: "${server}" contradicts ${connectKey}`);
      out.format = server;
    } else problems.push(`${serverKey}: "${server}" is not supported (walcast writes json or avro)`);
  }
  for (const prefix of [`${connectKey}.`, `${serverKey}.`]) {
    const url = get(`${prefix}schema.registry.url`)?.trim();
    if (url !== undefined) {
      const urls = url.split(',').map((u) => u.trim()).filter((u) => u !== '');
      if (urls.length > 1) problems.push(`${prefix}schema.registry.url: walcast takes one registry URL, got ${urls.length}`);
      out.url = urls[0] ?? '';
    }
    const source = get(`${prefix}basic.auth.credentials.source`)?.trim().toUpperCase();
    const userInfo = get(`${prefix}basic.auth.user.info`) ?? get(`${prefix}schema.registry.basic.auth.user.info`);
    if (source === 'URL' && out.url !== undefined) {
      credentialsFromUrl(out, `${prefix}schema.registry.url`, problems);
    } else if (source !== undefined && source !== 'USER_INFO' && source !== 'URL') {
      problems.push(`${prefix}basic.auth.credentials.source: "${source}" is not supported (walcast takes USER_INFO or URL)`);
    } else if (userInfo !== undefined) {
      const colon = userInfo.indexOf(':');
      if (colon < 0) problems.push(`${prefix}basic.auth.user.info: must be user:password`);
      else { out.username = userInfo.slice(0, colon); out.password = userInfo.slice(colon + 1); }
    }
  }
  return out;
}

/** basic.auth.credentials.source=URL: the credentials are the URL's userinfo; the URL goes without it. */
function credentialsFromUrl(out: { url?: string; username?: string; password?: string }, key: string, problems: string[]): void {
  let parsed: URL;
  try {
    parsed = new URL(out.url!);
  } catch {
    problems.push(`${key}: not a URL`);
    return;
  }
  if (parsed.username === '') {
    problems.push(`${key}: basic.auth.credentials.source URL needs user:password@ in the URL`);
    return;
  }
  out.username = decodeURIComponent(parsed.username);
  out.password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  out.url = parsed.toString().replace(/\/$/, '');
}

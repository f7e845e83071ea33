/**
 * The schema registry, reached through Confluent's own JavaScript client
 * (@confluentinc/schemaregistry): the Confluent REST API (`POST /subjects/{subject}/versions`,
 * served by Confluent Schema Registry, Apicurio's /apis/ccompat/v7, Karapace), HTTP basic auth,
 * retries with jittered backoff on 408/429/5xx, and its LRU cache of registered schemas, so a
 * schema already registered costs no request. Registration is what Confluent's AvroConverter
 * does with auto.register.schemas (its default): the subject's compatibility setting is never
 * read or changed; an incompatible schema is refused by the registry (409), not by us.
 */
import type { SchemaRegistryOptions } from '../options';
import { ConnectorError } from '../../../errors';

export interface SchemaRegistry {
  /** The id of `schemaText` (Avro) under `subject`, registering it when new. */
  register(subject: string, schemaText: string): Promise<number>;
  /**
   * Asks the registry one question (`GET /subjects`, as credentialed as a registration) so a
   * wrong URL or refused credentials show at start, not at the first record. Resolves to the
   * number of subjects; rejects with registryCheckError's ConnectorError.
   */
  check(): Promise<number>;
  close(): void;
}

export interface RegistryOptions {
  /** Retries of one request (default 3) and their backoff (default 250 ms doubling to 5 s). */
  readonly maxRetries?: number;
  readonly retriesWaitMs?: number;
  readonly retriesMaxWaitMs?: number;
  /** One HTTP request's timeout (default 10 s). */
  readonly requestTimeoutMs?: number;
}

/** Connect the registry client (no request yet). */
export async function createSchemaRegistry(config: SchemaRegistryOptions, options: RegistryOptions = {}): Promise<SchemaRegistry> {
  // Loaded only with format avro: the package and its dependencies take ~0.2 s to import.
  const { SchemaRegistryClient } = await import('@confluentinc/schemaregistry/dist/schemaregistry-client');
  const client = new SchemaRegistryClient({
    baseURLs: [config.url],
    basicAuthCredentials: config.username !== ''
      ? { credentialsSource: 'USER_INFO', userInfo: `${config.username}:${config.password}` }
      : undefined,
    maxRetries: options.maxRetries ?? 3,
    retriesWaitMs: options.retriesWaitMs ?? 250,
    retriesMaxWaitMs: options.retriesMaxWaitMs ?? 5_000,
    createAxiosDefaults: { timeout: options.requestTimeoutMs ?? 10_000 },
    cacheCapacity: 10_000,
  });
  return {
    async register(subject, schemaText) {
      try {
        return await client.register(subject, { schemaType: 'AVRO', schema: schemaText });
      } catch (e) {
        throw registryError(e, subject, config.url);
      }
    },
    async check() {
      try {
        return (await client.getAllSubjects()).length;
      } catch (e) {
        throw registryCheckError(e, config.url);
      }
    },
    close: () => client.close(),
  };
}

interface HttpFailure { readonly status?: number; readonly errorCode?: number; readonly message?: string; readonly code?: string }

const failureOf = (e: unknown): HttpFailure => (typeof e === 'object' && e !== null ? e : {}) as HttpFailure;

/**
 * The start-time check failed. Refused credentials and an answer that is not the Confluent API
 * (404: a wrong path, e.g. Apicurio's without /apis/ccompat/v7; other 4xx) are permanent; no
 * answer, 408, 429 and 5xx retriable (a registry still starting).
 */
export function registryCheckError(e: unknown, url: string): ConnectorError {
  const f = failureOf(e);
  const status = typeof f.status === 'number' ? f.status : undefined;
  const retriable = status === undefined || status === 408 || status === 429 || status >= 500;
  const why = status === 401 || status === 403
    ? `the registry refused the credentials (HTTP ${status}; sink.kafka.schemaRegistry.username/password)`
    : status === 404
      ? 'HTTP 404: no Confluent schema registry API at this URL (sink.kafka.schemaRegistry.url is the API base, ' +
        'e.g. http://host:8081 for Confluent, http://host:8080/apis/ccompat/v7 for Apicurio)'
      : status === undefined ? `no answer (${f.code ?? f.message ?? String(e)})` : `HTTP ${status}${f.message ? `: ${f.message}` : ''}`;
  return new ConnectorError('SINK_CONNECT', `cannot use the schema registry at ${url}: ${why}`, {
    cause: e,
    retriable,
    context: { status, errorCode: f.errorCode },
  });
}

/** 401/403/409/422 and other 4xx are permanent; no answer, 408, 429 and 5xx are retriable. */
export function registryError(e: unknown, subject: string, url: string): ConnectorError {
  const f = failureOf(e);
  const status = typeof f.status === 'number' ? f.status : undefined;
  const retriable = status === undefined || status === 408 || status === 429 || status >= 500;
  const why = status === 409
    ? 'the registry refused it as incompatible with the subject\'s earlier versions (its compatibility setting)'
    : status === 401 || status === 403
      ? 'the registry refused the credentials (sink.kafka.schemaRegistry.username/password)'
      : status === undefined ? `no answer (${f.code ?? f.message ?? String(e)})` : `HTTP ${status}`;
  const detail = f.message && status !== undefined ? `: ${f.message}` : '';
  return new ConnectorError('SINK_SEND', `cannot register the Avro schema of subject ${subject} at ${url}: ${why}${detail}`, {
    cause: e,
    retriable,
    context: { subject, status, errorCode: f.errorCode },
  });
}

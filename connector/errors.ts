import { redactSecrets } from './observe/redact';

/**
 * One error model for the connector. Codes are a closed list; each code has a default
 * `retriable`. Context fields (lsn, slot, relation, topic, ...) are enumerable so JSON logs show
 * them. PostgreSQL errors keep their SQLSTATE in `context.sqlState`.
 */
export const ErrorCodes = {
  CONFIG_INVALID: { retriable: false },
  USAGE: { retriable: false },
  PG_CONNECT: { retriable: true },
  PG_AUTH: { retriable: false },
  PG_PRIVILEGE: { retriable: false },
  PG_SERVER_SETUP: { retriable: false },
  PG_QUERY: { retriable: false },
  SLOT_IN_USE: { retriable: true },
  SLOT_INVALID: { retriable: false },
  /** A slot walcast streamed from was dropped, recreated or invalidated: rows were lost to the topics. */
  SLOT_LOST: { retriable: false },
  PUBLICATION_MISMATCH: { retriable: false },
  REPLICATION_STREAM: { retriable: true },
  PROTOCOL: { retriable: false },
  DECODE: { retriable: false },
  SINK_CONNECT: { retriable: true },
  SINK_SEND: { retriable: true },
  SINK_SETUP: { retriable: false },
  SNAPSHOT: { retriable: true },
  STATE: { retriable: false },
  /** Streamed in-progress transactions need more local disk than source.streamSpillMaxBytes allows. */
  SPILL_QUOTA: { retriable: false },
  ABORTED: { retriable: false },
  /** Another producer with the same Kafka transactional.id took over (exactly-once): this instance must stop, not retry. */
  SINK_FENCED: { retriable: false },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export type ErrorContext = Record<string, string | number | boolean | bigint | null | undefined>;

export class ConnectorError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: ErrorContext } = {},
  ) {
    // Messages are built from URLs, server errors and user input: no credential leaves here.
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.code = code;
    this.retriable = options.retriable ?? ErrorCodes[code].retriable;
    this.context = options.context ?? {};
  }

  toJSON(): Record<string, unknown> {
    const cause = this.cause instanceof Error ? this.cause.message : this.cause;
    return { code: this.code, message: this.message, retriable: this.retriable, ...this.context, cause };
  }
}

export function isConnectorError(e: unknown, code?: ErrorCode): e is ConnectorError {
  return e instanceof ConnectorError && (code === undefined || e.code === code);
}

/** Classifies a `pg` error by SQLSTATE class: 28 (auth) and 42 (privilege/syntax) are permanent. */
export function fromPgError(e: unknown, fallback: ErrorCode, message: string, context: ErrorContext = {}): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const sqlState = typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string'
    ? (e as { code: string }).code : undefined;
  const detail = e instanceof Error ? e.message : String(e);
  let code: ErrorCode = fallback;
  if (sqlState?.startsWith('28')) code = 'PG_AUTH';
  else if (sqlState === '42501') code = 'PG_PRIVILEGE';
  else if (sqlState === '55006') code = 'SLOT_IN_USE';
  else if (sqlState !== undefined && /^(08|57P0|53)/.test(sqlState)) code = 'PG_CONNECT';
  // pg's own words for a connection it lost, or one it will no longer use after losing it.
  else if (sqlState === undefined && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|Connection terminated|connection error and is not queryable/i.test(detail)) code = 'PG_CONNECT';
  // pg's SCRAM client, asked for a password it was never given, says only this.
  const noPassword = sqlState === undefined && /client password must be a string/.test(detail);
  if (noPassword) code = 'PG_AUTH';
  // 28P01 invalid_password: the server's text names the user, not where the password came from.
  const remedy = sqlState === '28P01' ? ' (check the user and password in source.url, or PGPASSWORD)'
    : noPassword ? ' (the server asks for a password and none was given: put it in source.url, as user:password before the @, or in PGPASSWORD)' : '';
  return new ConnectorError(code, `${message}: ${detail}${remedy}`, { cause: e, context: { ...context, sqlState } });
}

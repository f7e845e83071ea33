/**
 * The client's API seam: a client looks each protocol API up with this[kGetApi](name, cb), an
 * exported extension symbol for client subclasses. FastProducer (produce-request.ts) and
 * RawFetchConsumer (raw-fetch.ts) answer some lookups with the library's API wrapped. An API
 * object is a function `(connection, ...args, callback)` carrying `async`, `key` and `version`;
 * these two helpers are the only place that knows that shape.
 */
import { promisify } from 'node:util';
import type { API, Callback } from '@platformatic/kafka';

type RawApi = (connection: unknown, ...args: unknown[]) => void;

/**
 * An API object like `library` (same key and version) whose calls go through `call`, which gets
 * the library's function, the connection and the arguments (the callback last) to pass on.
 */
export function wrapApi<A extends unknown[], R>(library: API<A, R>, call: (library: RawApi, connection: unknown, args: unknown[]) => void): API<A, R> {
  const api = ((connection: unknown, ...args: unknown[]) => call(library as unknown as RawApi, connection, args)) as unknown as API<A, R>;
  return Object.assign(api, { async: promisify(api), key: library.key, version: library.version });
}

/** A lookup callback that hands `callback` the API `wrap` makes of the library's (errors as they are). */
export function answerWith<A extends unknown[], R>(callback: Callback<API<A, R>>, wrap: (library: API<A, R>) => API<A, R>): Callback<API<A, R>> {
  return (error, api) => {
    if (error || api === undefined) callback(error);
    else callback(null, wrap(api));
  };
}

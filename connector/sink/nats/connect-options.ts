/**
 * NatsConfig -> nats.js ConnectionOptions: auth (user/pass, token, nkey seed, creds file) and
 * TLS with a CA file. Empty strings mean "not set" (config defaults are '').
 */
import { readFileSync } from 'node:fs';
import { ConnectionOptions, credsAuthenticator, nkeyAuthenticator } from 'nats';
import { ConnectorError } from '../../errors';
import { NatsConfig } from '../../../config/types';

/** How the client behaves across broker restarts; tests shorten the wait. */
export interface ReconnectPolicy { readonly reconnectTimeWaitMs: number }

export function natsConnectOptions(config: NatsConfig, name: string, policy: ReconnectPolicy): ConnectionOptions {
  const opts: ConnectionOptions = {
    servers: [...config.servers],
    name,
    // A CDC sink outlives broker restarts: never give up reconnecting; publishes time out and are
    // retried (bounded) by the publish window meanwhile.
    maxReconnectAttempts: -1,
    reconnectTimeWait: policy.reconnectTimeWaitMs,
    waitOnFirstConnect: false,
  };
  if (config.user !== '') { opts.user = config.user; opts.pass = config.pass; }
  if (config.token !== '') opts.token = config.token;
  if (config.nkeySeed !== '') opts.authenticator = nkeyAuthenticator(new TextEncoder().encode(config.nkeySeed.trim()));
  if (config.credsFile !== '') opts.authenticator = credsAuthenticator(readSecretFile(config.credsFile, 'credsFile'));
  if (config.tlsCaFile !== '') opts.tls = { caFile: config.tlsCaFile };
  return opts;
}

function readSecretFile(path: string, key: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    // The path is not secret; the content is and never appears in the message.
    throw new ConnectorError('SINK_SETUP', `cannot read sink.nats.${key} ${path}: ${(e as Error).message}`, { cause: e, context: { path } });
  }
}

/**
 * NatsConfig -> @nats-io/transport-node connect options: auth (user/pass, token, nkey seed,
 * creds file) and TLS with a CA file. Empty strings mean "not set" (config defaults are '').
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import { ConnectorError } from '../../errors';
import { NatsConfig } from '../../../config/types';

export function natsConnectOptions(config: NatsConfig, name: string): NodeConnectionOptions {
  const opts: NodeConnectionOptions = {
    servers: [...config.servers],
    name,
    // No client-side reconnect: on reconnect the client flushes publishes it buffered while
    // disconnected, ahead of our resends of earlier ones the server lost in the crash — an older
    // row image would be stored after a newer one. A lost connection fails the sink instead; the
    // pipeline restarts from the slot's confirmed position and resends in order with the same
    // Nats-Msg-Id (JetStream drops what it already stored).
    reconnect: false,
    maxReconnectAttempts: 0,
    waitOnFirstConnect: false,
    // Without this the client builds an Error (a stack capture) per request so a timeout can show
    // where it was issued; every publish is a request, and our errors carry subject and id.
    noAsyncTraces: true,
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

/**
 * NatsOptions -> @nats-io/transport-node connect options: auth (user/pass, token, nkey seed,
 * creds file) and TLS (CA to trust, client certificate and key). Empty strings mean "not set"
 * (config defaults are ''). Files are read and the nkey seed decoded here, once per connect, so
 * that every problem is named in one setup error instead of surfacing as a connect failure that
 * looks retriable.
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, nkeys, type NodeConnectionOptions } from '@nats-io/transport-node';
import { ConnectorError } from '../../errors';
import { NatsOptions } from './options';

export function natsConnectOptions(config: NatsOptions, name: string): NodeConnectionOptions {
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
  const files = new Problems();
  if (config.user !== '') { opts.user = config.user; opts.pass = config.pass; }
  if (config.token !== '') opts.token = config.token;
  if (config.nkeySeed !== '') {
    const seed = new TextEncoder().encode(config.nkeySeed.trim());
    if (files.validSeed(seed)) opts.authenticator = nkeyAuthenticator(seed);
  }
  if (config.credsFile !== '') {
    const creds = files.read('credsFile', config.credsFile);
    if (creds !== null) opts.authenticator = credsAuthenticator(creds);
  }
  const tls: { ca?: string; cert?: string; key?: string } = {};
  if (config.tlsCaFile !== '') tls.ca = files.readText('tlsCaFile', config.tlsCaFile);
  if (config.tlsCertFile !== '') tls.cert = files.readText('tlsCertFile', config.tlsCertFile);
  if (config.tlsKeyFile !== '') tls.key = files.readText('tlsKeyFile', config.tlsKeyFile);
  files.throwIfFailed();
  if (Object.keys(tls).length > 0) opts.tls = tls;
  return opts;
}

/** Reads config files and checks the seed, collecting every failure. Paths are not secret; contents never appear. */
class Problems {
  private readonly problems: string[] = [];
  private readonly causes: unknown[] = [];

  read(key: string, path: string): Buffer | null {
    try {
      return readFileSync(path);
    } catch (e) {
      this.problems.push(`cannot read sink.nats.${key} ${path}: ${(e as Error).message}`);
      this.causes.push(e);
      return null;
    }
  }

  validSeed(seed: Uint8Array): boolean {
    try {
      nkeys.fromSeed(seed);
      return true;
    } catch (e) {
      // The library's message does not contain the seed; ours does not either.
      this.problems.push(`sink.nats.nkeySeed: not a valid nkey seed (${(e as Error).message})`);
      this.causes.push(e);
      return false;
    }
  }

  readText(key: string, path: string): string | undefined {
    const data = this.read(key, path);
    return data === null ? undefined : data.toString('utf8');
  }

  throwIfFailed(): void {
    if (this.problems.length === 0) return;
    throw new ConnectorError('SINK_SETUP', `NATS client options: ${this.problems.join('; ')}`, {
      cause: this.causes[0], context: { problems: this.problems.length },
    });
  }
}

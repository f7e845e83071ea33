import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsOptions } from '../../../../connector/sink/nats/options';
import { ConnectorError, isConnectorError } from '../../../../connector/errors';
import { natsConnectOptions } from '../../../../connector/sink/nats/connect-options';

const base: NatsOptions = {
  servers: ['nats://127.0.0.1:4222'], stream: 's', createStream: true, duplicateWindowMs: 120_000, maxInFlight: 256,
  user: '', pass: '', token: '', nkeySeed: '', credsFile: '', tlsCaFile: '', tlsCertFile: '', tlsKeyFile: '',
};

describe('natsConnectOptions', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'walcast-nats-opts-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('never reconnects on its own and skips per-request stack captures', () => {
    const o = natsConnectOptions(base, 'walcast-shop');
    expect(o).toMatchObject({ servers: ['nats://127.0.0.1:4222'], name: 'walcast-shop', reconnect: false, maxReconnectAttempts: 0, noAsyncTraces: true });
    expect(o.tls).toBeUndefined();
    expect(o.authenticator).toBeUndefined();
  });

  it('passes the TLS files by content: CA, client certificate and key', () => {
    for (const [f, text] of [['ca.pem', 'CA PEM'], ['cert.pem', 'CERT PEM'], ['key.pem', 'KEY PEM']]) writeFileSync(join(dir, f), text);
    const o = natsConnectOptions({ ...base, tlsCaFile: join(dir, 'ca.pem'), tlsCertFile: join(dir, 'cert.pem'), tlsKeyFile: join(dir, 'key.pem') }, 'n');
    expect(o.tls).toEqual({ ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' });
  });

  it('names every unreadable file in one SINK_SETUP error', () => {
    const missing = (f: string) => join(dir, f);
    const err = (() => {
      try {
        natsConnectOptions({ ...base, credsFile: missing('u.creds'), tlsCaFile: missing('ca.pem'), tlsCertFile: missing('c.pem'), tlsKeyFile: missing('k.pem') }, 'n');
        return null;
      } catch (e) { return e; }
    })();
    expect(isConnectorError(err, 'SINK_SETUP')).toBe(true);
    const msg = (err as ConnectorError).message;
    for (const [key, f] of [['credsFile', 'u.creds'], ['tlsCaFile', 'ca.pem'], ['tlsCertFile', 'c.pem'], ['tlsKeyFile', 'k.pem']]) {
      expect(msg).toContain(`cannot read sink.nats.${key} ${missing(f)}: ENOENT`);
    }
  });

  it('rejects a malformed nkey seed before connecting, without echoing it', () => {
    const seed = 'SUAXNOTAVALIDSEEDATALL';
    let err: unknown = null;
    try { natsConnectOptions({ ...base, nkeySeed: seed }, 'n'); } catch (e) { err = e; }
    expect(isConnectorError(err, 'SINK_SETUP')).toBe(true);
    expect((err as Error).message).toContain('sink.nats.nkeySeed: not a valid nkey seed');
    expect(`${(err as Error).message} ${JSON.stringify(err)}`).not.toContain(seed);
  });

  it('user/pass and token go to the client as given', () => {
    expect(natsConnectOptions({ ...base, user: 'u', pass: 'p' }, 'n')).toMatchObject({ user: 'u', pass: 'p' });
    expect(natsConnectOptions({ ...base, token: 't' }, 'n')).toMatchObject({ token: 't' });
  });
});

// Every authentication form of NatsOptions, live against a nats-server configured for it: the right
// secret connects and publishes; a wrong one is a permanent setup error that never shows the secret.
// The reading side builds its own client options from the generated material (not from the sink's).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credsAuthenticator, nkeyAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import { NatsOptions } from '../../../connector/sink/nats/options';
import { createNatsSink } from '../../../connector/sink/nats';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { ConnectorError, isConnectorError } from '../../../connector/errors';
import { uniqueName } from '../../infra/names';
import { NatsServerHandle, readSubject, startNats } from '../../infra/nats';
import { makeTlsFiles, nkeyServerConfig, nkeyUser, operatorSetup, tlsServerConfig } from '../../infra/nats-secured';
import { natsConfig, records } from './nats-support';

interface AuthCase {
  /** nats-server arguments (a config file made in `dir` where needed). */
  readonly args: string[];
  readonly good: Partial<NatsOptions>;
  readonly bad: Partial<NatsOptions>;
  /** Client options of the independent reader. */
  readonly reader: Omit<NodeConnectionOptions, 'servers'>;
  /** Strings that must appear in neither the error nor the log of the failed start. */
  readonly secrets: string[];
  /** What the error for `bad` says (the cause, in words a user can act on). */
  readonly badMessage: RegExp;
  /**
   * TLS 1.3 with a missing client certificate: the client finishes its handshake before the
   * server checks the certificate, so under load the server's connection reset can reach the
   * client before its alert. The start then fails as a reset (SINK_CONNECT, retried by the
   * supervisor), which is what such a failure also looks like from the client's side.
   */
  readonly resetMayWin?: true;
}

async function configFile(dir: string, text: string): Promise<string> {
  const file = join(dir, 'nats-server.conf');
  await writeFile(file, text);
  return file;
}

const CASES: Array<[string, (dir: string) => Promise<AuthCase>]> = [
  ['user/pass', async () => ({
    args: ['--user', 'walcast', '--pass', 's3cret'],
    good: { user: 'walcast', pass: 's3cret' },
    bad: { user: 'walcast', pass: 'wrong-pass' },
    reader: { user: 'walcast', pass: 's3cret' },
    secrets: ['wrong-pass', 's3cret'],
    badMessage: /authorization violation/i,
  })],
  ['token', async () => ({
    args: ['--auth', 'tok3n'],
    good: { token: 'tok3n' },
    bad: { token: 'nope-token' },
    reader: { token: 'tok3n' },
    secrets: ['nope-token', 'tok3n'],
    badMessage: /authorization violation/i,
  })],
  ['nkey', async (dir) => {
    const user = nkeyUser();
    const stranger = nkeyUser();
    return {
      args: ['-c', await configFile(dir, nkeyServerConfig([user]))],
      // Surrounding whitespace (a seed pasted from a file) is tolerated.
      good: { nkeySeed: `${user.seed}\n` },
      bad: { nkeySeed: stranger.seed },
      reader: { authenticator: nkeyAuthenticator(new TextEncoder().encode(user.seed)) },
      secrets: [stranger.seed, user.seed],
      badMessage: /authorization violation/i,
    };
  }],
  ['creds (operator/account/user JWT)', async (dir) => {
    const op = await operatorSetup(dir);
    return {
      args: ['-c', await configFile(dir, op.serverConfig)],
      good: { credsFile: op.credsFile },
      bad: { credsFile: op.untrustedCredsFile },
      reader: { authenticator: credsAuthenticator(await readFile(op.credsFile)) },
      secrets: [op.untrustedSeed, op.userSeed],
      badMessage: /authorization violation/i,
    };
  }],
  ['TLS (server certificate from a test CA)', async (dir) => {
    const tls = await makeTlsFiles(dir);
    return {
      args: ['-c', await configFile(dir, tlsServerConfig(tls))],
      good: { tlsCaFile: tls.caFile },
      bad: { tlsCaFile: tls.otherCaFile },
      reader: { tls: { caFile: tls.caFile } },
      secrets: [],
      badMessage: /certificate.*sink\.nats\.tlsCaFile must name the CA/i,
    };
  }],
  ['TLS with a client certificate (server verifies clients)', async (dir) => {
    const tls = await makeTlsFiles(dir);
    const client = { tlsCaFile: tls.caFile, tlsCertFile: tls.clientCertFile, tlsKeyFile: tls.clientKeyFile };
    return {
      args: ['-c', await configFile(dir, tlsServerConfig(tls, true))],
      good: client,
      // No client certificate: the server ends the handshake with a TLS alert.
      bad: { tlsCaFile: tls.caFile },
      reader: { tls: { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } },
      secrets: [],
      badMessage: /bad certificate.*the server wants a client certificate: set sink\.nats\.tlsCertFile and tlsKeyFile/i,
      resetMayWin: true,
    };
  }],
];

describe.each(CASES)('NATS sink auth: %s', (_name, makeCase) => {
  let dir: string;
  let c: AuthCase;
  let server: NatsServerHandle;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'walcast-nats-auth-'));
    c = await makeCase(dir);
    server = await startNats({ args: c.args });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects and publishes with the right secret', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    const sink = createNatsSink(natsConfig(server.info.url, stream, c.good), { logger: createMemoryLogger(), subjectsPrefix: prefix });
    await sink.start();
    try {
      await sink.publish(records(prefix, 3));
    } finally {
      await sink.stop();
    }
    const got = await readSubject(server.info.url, stream, `${prefix}.>`, { connect: c.reader });
    expect(got.map((m) => m.headers['Nats-Msg-Id'][0])).toEqual(records(prefix, 3).map((r) => r.id));
  });

  it('fails start with SINK_SETUP on a wrong secret, saying why, without the secret', async () => {
    const log = createMemoryLogger();
    const sink = createNatsSink(natsConfig(server.info.url, uniqueName('s'), c.bad), { logger: log, subjectsPrefix: 'x' });
    const err = await sink.start().then(() => null, (e: unknown) => e);
    await sink.stop();
    const message = (err as ConnectorError).message;
    if (c.resetMayWin && isConnectorError(err, 'SINK_CONNECT')) {
      expect(message).toMatch(/ECONNRESET|closed|disconnected|EPIPE/i);
    } else {
      expect({ setupError: isConnectorError(err, 'SINK_SETUP'), message }).toEqual({ setupError: true, message: expect.stringMatching(c.badMessage) });
    }
    const text = `${message} ${JSON.stringify(err)} ${JSON.stringify(log.entries)}`;
    for (const secret of c.secrets) expect(text).not.toContain(secret);
  });

  it('without any credentials or CA the server refuses the sink, as a setup error', async () => {
    const sink = createNatsSink(natsConfig(server.info.url, uniqueName('s')), { logger: createMemoryLogger(), subjectsPrefix: 'x' });
    const err = await sink.start().then(() => null, (e: unknown) => e);
    await sink.stop();
    expect(isConnectorError(err, 'SINK_SETUP')).toBe(true);
  });
});

/**
 * Material for nats-server configured with each authentication form walcast supports, made fresh
 * per test in a temp dir: nkey users, an operator/account/user JWT chain with a creds file, and a
 * TLS certificate authority plus server certificate made with openssl. Each `*Server` function
 * returns the server config text; start it with `startNats({ args: ['-c', file] })`.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';

const run = promisify(execFile);

export interface NkeyUser { readonly publicKey: string; readonly seed: string }

/** A fresh user nkey pair; `seed` is what sink.nats.nkeySeed holds (`SU...`). */
export function nkeyUser(): NkeyUser {
  const kp = createUser();
  return { publicKey: kp.getPublicKey(), seed: new TextDecoder().decode(kp.getSeed()) };
}

/** Server config admitting exactly these nkey users. */
export function nkeyServerConfig(users: readonly NkeyUser[]): string {
  return `authorization {\n  users = [\n${users.map((u) => `    { nkey: ${u.publicKey} }`).join('\n')}\n  ]\n}\n`;
}

export interface OperatorSetup {
  /** nats-server config: operator JWT, memory resolver preloaded with the account. */
  readonly serverConfig: string;
  /** A user of the trusted account, JetStream enabled. */
  readonly credsFile: string;
  /** Seed inside credsFile (a secret: must never be logged). */
  readonly userSeed: string;
  /** A well-formed creds file whose user is issued by an account the server does not know. */
  readonly untrustedCredsFile: string;
  readonly untrustedSeed: string;
}

/** No limit, in the JWT's own encoding. */
const UNLIMITED = -1;

/**
 * Decentralized (operator mode) auth as `nsc` sets it up: operator -> account -> user, the
 * account preloaded into a MEMORY resolver with JetStream enabled (a zero limit would mean
 * "none allowed", so every limit is set).
 */
export async function operatorSetup(dir: string): Promise<OperatorSetup> {
  const operator = createOperator();
  const account = createAccount();
  const sys = createAccount();
  const operatorJwt = await encodeOperator('walcast-test-op', operator, { system_account: sys.getPublicKey() });
  const limits = {
    subs: UNLIMITED, data: UNLIMITED, payload: UNLIMITED, imports: UNLIMITED, exports: UNLIMITED,
    wildcards: true, conn: UNLIMITED, leaf: UNLIMITED,
    mem_storage: UNLIMITED, disk_storage: UNLIMITED, streams: UNLIMITED, consumer: UNLIMITED,
  };
  const accountJwt = await encodeAccount('walcast', account, { limits }, { signer: operator });
  const sysJwt = await encodeAccount('SYS', sys, { limits: { ...limits, mem_storage: 0, disk_storage: 0, streams: 0, consumer: 0 } }, { signer: operator });

  const user = createUser();
  const userJwt = await encodeUser('walcast', user, account);
  const credsFile = join(dir, 'walcast.creds');
  await writeFile(credsFile, fmtCreds(userJwt, user), { mode: 0o600 });

  // Same shape, but the issuing account is not in the resolver.
  const stranger = createAccount();
  const strangerUser = createUser();
  const strangerJwt = await encodeUser('stranger', strangerUser, stranger);
  const untrustedCredsFile = join(dir, 'stranger.creds');
  await writeFile(untrustedCredsFile, fmtCreds(strangerJwt, strangerUser), { mode: 0o600 });

  const serverConfig = [
    `operator: ${operatorJwt}`,
    `system_account: ${sys.getPublicKey()}`,
    'resolver: MEMORY',
    'resolver_preload: {',
    `  ${account.getPublicKey()}: ${accountJwt}`,
    `  ${sys.getPublicKey()}: ${sysJwt}`,
    '}',
    '',
  ].join('\n');
  const seed = (kp: { getSeed(): Uint8Array }) => new TextDecoder().decode(kp.getSeed());
  return { serverConfig, credsFile, userSeed: seed(user), untrustedCredsFile, untrustedSeed: seed(strangerUser) };
}

export interface TlsFiles {
  /** The CA that signed the server certificate (what sink.nats.tlsCaFile points at). */
  readonly caFile: string;
  /** Another CA, which did not sign it: a client trusting only this one must refuse the server. */
  readonly otherCaFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A client certificate signed by the CA, and its key. */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/**
 * A CA, a server certificate for 127.0.0.1/localhost and a client certificate signed by it; a
 * second, unrelated CA.
 */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = async (name: string) => {
    await run('openssl', ['req', '-x509', ...ec, '-keyout', f(`${name}-key.pem`), '-out', f(`${name}.pem`), '-days', '2',
      '-subj', `/CN=walcast test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  };
  await ca('ca');
  await ca('other-ca');
  const leaf = async (name: string, cn: string, ext: string) => {
    await run('openssl', ['req', ...ec, '-keyout', f(`${name}-key.pem`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`]);
    await writeFile(f(`${name}.ext`), ext);
    await run('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial',
      '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`)]);
  };
  await leaf('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await leaf('client', 'walcast', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: f('ca.pem'), otherCaFile: f('other-ca.pem'), serverCertFile: f('server.pem'), serverKeyFile: f('server-key.pem'),
    clientCertFile: f('client.pem'), clientKeyFile: f('client-key.pem'),
  };
}

/** Server config requiring TLS on the client port; with `verifyClients`, a client certificate from the CA too. */
export function tlsServerConfig(tls: TlsFiles, verifyClients = false): string {
  const verify = verifyClients ? `  ca_file: "${tls.caFile}"\n  verify: true\n` : '';
  return `tls {\n  cert_file: "${tls.serverCertFile}"\n  key_file: "${tls.serverKeyFile}"\n${verify}  timeout: 5\n}\n`;
}

import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

// Certificates for TLS tests, made with the openssl CLI at test time (none are committed): a
// throwaway CA and a server certificate it signed for 127.0.0.1 and localhost. Keys are
// unencrypted PKCS#8 PEM, which Kafka reads directly (ssl.keystore.type=PEM) and so do Node and
// nats-server.

export interface TestCertificates {
  /** CA certificate (PEM file); clients trust it. */
  caFile: string;
  /** Server certificate (PEM file), SAN IP:127.0.0.1, DNS:localhost. */
  certFile: string;
  /** Server private key (PKCS#8 PEM file). */
  keyFile: string;
  /** Private key followed by the certificate: Kafka's PEM keystore format. */
  keystoreFile: string;
  /** CA certificate as text (for clients' `ca` option). */
  caPem: string;
}

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || (err as Error).message}`, { cause: err });
  }
}

/** Writes a CA and a server certificate into `dir` (which the caller owns and removes). */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const f = (name: string): string => path.join(dir, name);
  const days = '2';
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-days', days, '-subj', '/CN=walcast test CA'], dir);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr',
    '-subj', '/CN=localhost'], dir);
  await writeFile(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', days, '-extfile', 'server.ext'], dir);
  const [key, cert, caPem] = await Promise.all([readFile(f('server.key'), 'utf8'), readFile(f('server.pem'), 'utf8'), readFile(f('ca.pem'), 'utf8')]);
  if (!key.includes('BEGIN PRIVATE KEY')) throw new Error('openssl wrote a server key that is not unencrypted PKCS#8');
  await writeFile(f('server-keystore.pem'), `${key}${cert}`);
  return { caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key'), keystoreFile: f('server-keystore.pem'), caPem };
}

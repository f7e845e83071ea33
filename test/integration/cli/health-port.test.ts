import { createServer, type Server } from 'node:net';
import { tempDir } from '../../infra/temp-dirs';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../infra/nats';
import { waitFor } from '../../infra/wait';
import { runCli, startCli, writeConfigFile } from '../support/cli-process';

// The health server's port taken (a second walcast on the default 8083): one line that says so
// and what to set, exit 2, and no stack trace.
test('a health port in use: exit 2 with the port, the setting to change, and no stack', async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await runCli(['run'], {
      WALCAST_NAME: 'healthport', WALCAST_SOURCE_URL: 'postgres://u:p@127.0.0.1:1/db', WALCAST_SINK_TYPE: 'stdout',
      WALCAST_HTTP_PORT: String(port), WALCAST_OFFSETS_STATE_DIR: tempDir('walcast-healthport-'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot start the health server: port ${port} is in use (another walcast?); set http.port (WALCAST_HTTP_PORT) to a free port, or 0 for none`);
    expect(r.stderr).not.toMatch(/"stack"|\n\s+at /);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

// The image's HEALTHCHECK knew only WALCAST_HTTP_PORT: with http.port in the config file it
// probed 8083 and the container went unhealthy. run now writes the port it bound to
// WALCAST_HTTP_PORT_FILE (the image sets it), and the check reads it.
test('run writes the health port it bound to WALCAST_HTTP_PORT_FILE, also when http.port comes from the config file', async () => {
  const port = await freePort();
  const file = path.join(tempDir('walcast-portfile-'), 'http-port');
  const p = startCli(['run', '--config', writeConfigFile({
    name: 'portfile', source: { url: 'postgres://u:p@127.0.0.1:1/db' }, sink: { type: 'stdout' },
    http: { port }, offsets: { stateDir: tempDir('walcast-portfile-state-') },
  })], { WALCAST_HTTP_PORT_FILE: file });
  try {
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8') === `${port}\n`, { timeoutMs: 30_000, message: () => `the port file; stderr:\n${p.stderr()}` });
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(live.status).toBe(200);
  } finally {
    p.child.kill('SIGTERM');
    await p.exited;
  }
  // Removed at exit: a check must not probe a port nobody serves.
  expect(existsSync(file)).toBe(false);
});

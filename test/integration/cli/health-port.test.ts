import { createServer, type Server } from 'node:net';
import { tempDir } from '../../infra/temp-dirs';
import { runCli } from '../support/cli-process';

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

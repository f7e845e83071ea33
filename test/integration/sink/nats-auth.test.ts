// Auth from NatsConfig against a server that requires it; a wrong secret is a permanent setup error.
import { createNatsSink } from '../../../connector/sink/nats';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { isConnectorError } from '../../../connector/errors';
import { uniqueName } from '../../infra/names';
import { NatsServerHandle, readSubject, startNats } from '../../infra/nats';
import { natsConfig, records } from './nats-support';

describe.each([
  ['user/pass', ['--user', 'walcast', '--pass', 's3cret'], { user: 'walcast', pass: 's3cret' }, { user: 'walcast', pass: 'wrong' }],
  ['token', ['--auth', 'tok3n'], { token: 'tok3n' }, { token: 'nope' }],
])('NATS sink auth: %s', (_name, args, good, bad) => {
  let server: NatsServerHandle;
  beforeAll(async () => { server = await startNats({ args }); });
  afterAll(async () => { await server?.stop(); });

  it('connects and publishes with the right secret', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    const sink = createNatsSink(natsConfig(server.info.url, stream, good), { logger: createMemoryLogger(), subjectsPrefix: prefix });
    await sink.start();
    try {
      await sink.publish(records(prefix, 3));
    } finally {
      await sink.stop();
    }
    expect(await readSubject(server.info.url, stream, `${prefix}.>`, { auth: good })).toHaveLength(3);
  });

  it('fails start with SINK_SETUP on a wrong secret, without the secret in the message', async () => {
    const log = createMemoryLogger();
    const sink = createNatsSink(natsConfig(server.info.url, uniqueName('s'), bad), { logger: log, subjectsPrefix: 'x' });
    const err = await sink.start().then(() => null, (e: unknown) => e);
    await sink.stop();
    expect(isConnectorError(err, 'SINK_SETUP')).toBe(true);
    const secret = 'token' in bad ? bad.token : bad.pass;
    expect((err as Error).message).not.toContain(secret);
    expect(JSON.stringify(log.entries)).not.toContain(secret);
  });
});

import { PassThrough } from 'node:stream';
import { loadConfig } from '../../../config/load';
import { ConnectorError, fromPgError } from '../../../connector/errors';
import { createLogger } from '../../../connector/observe/logger';
import { forgetSecrets, redactSecrets, rememberSecret } from '../../../connector/observe/redact';

afterEach(() => forgetSecrets());

describe('redactSecrets: every credential form pg accepts', () => {
  it.each([
    ['URL userinfo', 'postgres://walcast:k3Secret@db:5432/app', 'postgres://walcast:***@db:5432/app'],
    ['postgresql:// scheme', 'postgresql://u:k3Secret@db/app', 'postgresql://u:***@db/app'],
    ['an unencoded @ in the password', 'postgres://walcast:k3@Secret@127.0.0.1/app', 'postgres://walcast:***@127.0.0.1/app'],
    ['a : and / in the password', 'postgres://u:a:b/c@h/app', 'postgres://u:***@h/app'],
    ['?password= query parameter', 'postgres://walcast@db/app?password=k3Secret', 'postgres://walcast@db/app?password=***'],
    ['&password= after another parameter', 'postgres://db/app?sslmode=require&password=k3Secret&x=1', 'postgres://db/app?sslmode=require&password=***&x=1'],
    ['sslpassword=', 'postgres://db/app?sslpassword=k3Secret', 'postgres://db/app?sslpassword=***'],
    ['key=value string', 'host=db user=walcast password=k3Secret dbname=app', 'host=db user=walcast password=*** dbname=app'],
    ['quoted key=value', "host=db password='k3 Sec\\'ret' dbname=app", 'host=db password=*** dbname=app'],
    ['inside a sentence', 'cannot connect to postgres://u:k3Secret@h/db: refused', 'cannot connect to postgres://u:***@h/db: refused'],
    ['inside JSON', '{"url":"postgres://u:k3Secret@h/db","n":"a@b"}', '{"url":"postgres://u:***@h/db","n":"a@b"}'],
  ])('%s', (_what, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('leaves text without credentials alone', () => {
    for (const t of ['postgres://walcast@db/app', 'user walcast@db', 'password authentication failed for user "walcast"']) {
      expect(redactSecrets(t)).toBe(t);
    }
  });

  it('masks a remembered value anywhere, raw and percent-decoded', () => {
    rememberSecret('p%40ss-word');
    expect(redactSecrets('got p%40ss-word and p@ss-word')).toBe('got *** and ***');
  });

  it('a query-parameter password keeps the text that follows once its value is known', () => {
    rememberSecret('k3Secret');
    expect(redactSecrets('to postgres://u@h/db?password=k3Secret: failed')).toBe('to postgres://u@h/db?password=***: failed');
  });
});

describe('secrets registered by loadConfig', () => {
  it('masks PGPASSWORD, the URL password and sensitive keys wherever they appear', () => {
    loadConfig({ env: {
      WALCAST_NAME: 'a', WALCAST_SOURCE_URL: 'postgres://u:UrlSecret1@h/db?password=QuerySecret2',
      PGPASSWORD: 'EnvSecret3', WALCAST_SINK_KAFKA_SASL_PASSWORD: 'SaslSecret4',
    } });
    const text = redactSecrets('UrlSecret1 QuerySecret2 EnvSecret3 SaslSecret4');
    expect(text).toBe('*** *** *** ***');
  });
});

describe('errors and logs', () => {
  it('ConnectorError messages are redacted', () => {
    const e = new ConnectorError('PG_CONNECT', 'cannot connect to postgres://u:k3@Secret@h/db?password=k3Secret');
    expect(e.message).toBe('cannot connect to postgres://u:***@h/db?password=***');
  });

  function logLines(write: (log: ReturnType<typeof createLogger>) => void): Array<Record<string, unknown>> {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => { text += c.toString(); });
    const logger = createLogger({ destination: out });
    write(logger);
    return text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('a log line masks credentials in the message, fields, bindings and errors', () => {
    const lines = logLines((log) => {
      log.child({ url: 'postgres://u:BindSecret@h/db' }).warn(
        { target: 'postgres://u@h/db?password=FieldSecret', nested: { list: ['postgres://u:ListSecret@h/db'] }, err: new Error('at postgres://u:ErrSecret@h/db') },
        'retrying postgres://u:MsgSecret@h/db');
    });
    const text = JSON.stringify(lines);
    for (const s of ['BindSecret', 'FieldSecret', 'ListSecret', 'ErrSecret', 'MsgSecret']) expect(text).not.toContain(s);
    expect(lines[0].msg).toBe('retrying postgres://u:***@h/db');
  });

  it('a PostgreSQL failure is said once: no repeated server message, no stack', () => {
    const pgError = Object.assign(new Error('password authentication failed for user "walcast"'), { code: '28P01' });
    const e = fromPgError(pgError, 'PG_CONNECT', 'cannot connect to PostgreSQL');
    const [line] = logLines((log) => log.error({ err: e }, 'connector failed'));
    const text = JSON.stringify(line);
    expect(text.split('password authentication failed').length - 1).toBe(1);
    expect(text).not.toContain('"stack"');
    expect(line.err).toMatchObject({ code: 'PG_AUTH', sqlState: '28P01', message: expect.stringContaining('check the user and password') });

    // The message already quotes the error: the err field does not repeat it.
    const [again] = logLines((log) => log.error({ err: e }, `connector failed: ${e.message}`));
    expect(JSON.stringify(again).split('password authentication failed').length - 1).toBe(1);
  });

  it('an unexpected error keeps its stack', () => {
    const [line] = logLines((log) => log.error({ err: new TypeError('x is undefined') }, 'bug'));
    expect(line.err).toMatchObject({ type: 'TypeError', message: 'x is undefined', stack: expect.stringContaining('TypeError') });
  });
});

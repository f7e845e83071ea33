/** Log formats: JSON lines by default off a terminal, one human-readable line on a terminal. */
import { PassThrough } from 'node:stream';
import { ConnectorError } from '../../../connector/errors';
import { createLogger, type LogFormat } from '../../../connector/observe/logger';

function capture(isTTY: boolean, format?: LogFormat): { logger: ReturnType<typeof createLogger>; lines: () => string[] } {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let out = '';
  stream.on('data', (d: Buffer) => { out += d.toString(); });
  const logger = createLogger({ level: 'debug', name: 'shop', destination: stream, format, colorize: false });
  return { logger, lines: () => out.split('\n').filter((l) => l !== '') };
}

const PRETTY = /^\[\d\d:\d\d:\d\d\.\d{3}\] /;

describe('logger formats', () => {
  it('writes JSON lines when the destination is not a terminal (auto)', () => {
    const { logger, lines } = capture(false);
    logger.warn({ slot: 's1' }, 'slot busy');
    expect(lines()).toHaveLength(1);
    expect(JSON.parse(lines()[0]!)).toMatchObject({ level: 'warn', connector: 'shop', slot: 's1', msg: 'slot busy' });
  });

  it('writes one human-readable line per entry on a terminal (auto)', () => {
    const { logger, lines } = capture(true);
    logger.info({ table: 'public.orders', rows: 3 }, 'snapshot done');
    logger.warn({}, 'plain');
    expect(lines()).toHaveLength(2);
    expect(lines()[0]!.replace(PRETTY, '')).toBe('INFO: snapshot done {"table":"public.orders","rows":3}');
    expect(lines()[1]!.replace(PRETTY, '')).toBe('WARN: plain');
    expect(lines()[0]).toMatch(PRETTY);
  });

  it('honours a forced format either way', () => {
    const json = capture(true, 'json');
    json.logger.info({}, 'x');
    expect(JSON.parse(json.lines()[0]!)).toMatchObject({ msg: 'x' });
    const pretty = capture(false, 'pretty');
    pretty.logger.info({}, 'x');
    expect(pretty.lines()[0]!.replace(PRETTY, '')).toBe('INFO: x');
  });

  it('keeps an error on the same line, without its stack, and without repeating its message', () => {
    const { logger, lines } = capture(true);
    const e = new ConnectorError('PG_AUTH', 'password authentication failed for user "walcast"', { cause: new Error('inner') });
    logger.error({ err: e, code: e.code }, `connector failed: ${e.message}`);
    logger.error({ err: e }, 'cannot start');
    expect(lines()).toHaveLength(2);
    // The message is in the log message already; only its cause is new.
    expect(lines()[0]!.replace(PRETTY, '')).toBe('ERROR: connector failed: password authentication failed for user "walcast" {"code":"PG_AUTH","err":"inner"}');
    expect(lines()[1]!.replace(PRETTY, '')).toBe('ERROR: cannot start {"err":"password authentication failed for user \\"walcast\\": inner"}');
    const plain = new Error('boom');
    logger.error({ err: plain }, 'publish failed: boom');
    expect(lines()[2]!.replace(PRETTY, '')).toBe('ERROR: publish failed: boom');
  });

  it('redacts secrets in both formats', () => {
    for (const tty of [false, true]) {
      const { logger, lines } = capture(tty);
      logger.info({ password: 'hunter2', sasl: { password: 'p' } }, 'connecting');
      expect(lines()[0]).not.toContain('hunter2');
      expect(lines()[0]).toContain('***');
    }
  });
});

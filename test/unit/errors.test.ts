import { fromPgError } from '../../connector/errors';

describe('fromPgError', () => {
  const pgError = (message: string, code?: string): Error => Object.assign(new Error(message), code === undefined ? {} : { code });

  it('no password given (pg\'s SCRAM client) is PG_AUTH and says where a password goes', () => {
    const e = fromPgError(pgError('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), 'PG_CONNECT', 'cannot connect to PostgreSQL');
    expect([e.code, e.retriable]).toEqual(['PG_AUTH', false]);
    expect(e.message).toMatch(/none was given: put it in source\.url, as user:password before the @, or in PGPASSWORD/);
  });

  it('a wrong password names both places it may come from; a refused connection stays retriable', () => {
    expect(fromPgError(pgError('password authentication failed for user "u"', '28P01'), 'PG_CONNECT', 'x').message).toMatch(/source\.url, or PGPASSWORD/);
    const refused = fromPgError(pgError('connect ECONNREFUSED 127.0.0.1:1'), 'PG_QUERY', 'x');
    expect([refused.code, refused.retriable]).toEqual(['PG_CONNECT', true]);
    // A client reused after its server restarted (the lag poller's, say).
    const unusable = fromPgError(pgError('Client has encountered a connection error and is not queryable'), 'PG_QUERY', 'x');
    expect([unusable.code, unusable.retriable]).toEqual(['PG_CONNECT', true]);
  });
});

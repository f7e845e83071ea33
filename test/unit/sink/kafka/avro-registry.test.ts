// Registry failures: which are worth retrying, and what the message says.
import { RestError } from '@confluentinc/schemaregistry/dist/rest-error';
import { registryError } from '../../../../connector/sink/kafka/avro/registry';

const URL = 'http://reg:8081';

test.each([
  [new RestError('Schema being registered is incompatible with an earlier schema', 409, 409), false, /refused it as incompatible .*: Schema being registered is incompatible/],
  [new RestError('Unauthorized', 401, 401), false, /refused the credentials/],
  [new RestError('Invalid schema', 422, 42201), false, /HTTP 422: Invalid schema/],
  [new RestError('busy', 503, 50301), true, /HTTP 503: busy/],
  [new RestError('slow', 429, 429), true, /HTTP 429/],
  [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED' }), true, /no answer \(ECONNREFUSED\)/],
])('%s -> retriable %s', (cause, retriable, message) => {
  const err = registryError(cause, 'p.public.t-value', URL);
  expect(err.code).toBe('SINK_SEND');
  expect(err.retriable).toBe(retriable);
  expect(err.message).toMatch(/^cannot register the Avro schema of subject p\.public\.t-value at http:\/\/reg:8081: /);
  expect(err.message).toMatch(message);
  expect(err.cause).toBe(cause);
});

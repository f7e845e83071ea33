import { ConnectorError, isConnectorError } from '../../connector/errors';

/** The ConnectorError `f` throws (anything else is rethrown; not throwing fails the test). */
export function caught(f: () => unknown): ConnectorError {
  try {
    f();
  } catch (e) {
    if (isConnectorError(e)) return e;
    throw e;
  }
  throw new Error('did not throw');
}

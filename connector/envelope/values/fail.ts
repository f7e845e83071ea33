import { ConnectorError } from '../../errors';

/** A text form the server should never produce for this type: a decoder or contract bug. */
export function badValue(type: string, text: string): never {
  const shown = text.length > 80 ? text.slice(0, 80) + '…' : text;
  throw new ConnectorError('DECODE', `cannot convert ${JSON.stringify(shown)} as ${type}`, {
    context: { type },
  });
}

import { makeConverter, type ValueOptions } from '../../../../connector/envelope/values';
import { type JsonValue } from '../../../../connector/envelope/json';

/** Debezium's default handling modes. */
export const DEFAULTS: ValueOptions = {
  decimalHandling: 'precise',
  timePrecision: 'adaptive',
  binaryHandling: 'bytes',
  intervalHandling: 'numeric',
};

/** Converts one PostgreSQL text value of type `oid` with the defaults, overridden by `opts`. */
export function conv(oid: number, text: string, typeMod = -1, opts: Partial<ValueOptions> = {}): JsonValue {
  return makeConverter(oid, typeMod, { ...DEFAULTS, ...opts })(text);
}

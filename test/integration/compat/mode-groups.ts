/**
 * The handling-mode groups compared with Debezium (modes.test.ts with schemas off, schemas.test.ts
 * with schemas on): each walcast envelope setting beside the Debezium properties that mean the same.
 */
import type { EnvelopeOptions } from '../../../connector/envelope/options';

export interface ModeGroup {
  readonly label: string;
  readonly envelope: Partial<EnvelopeOptions>;
  readonly debezium: Record<string, string>;
}

export const MODE_GROUPS: readonly ModeGroup[] = [
  {
    label: 'decimal double, time adaptive_time_microseconds, binary base64, interval string',
    envelope: { decimalHandling: 'double', timePrecision: 'adaptive_time_microseconds', binaryHandling: 'base64', intervalHandling: 'string' },
    debezium: {
      'decimal.handling.mode': 'double', 'time.precision.mode': 'adaptive_time_microseconds',
      'binary.handling.mode': 'base64', 'interval.handling.mode': 'string',
    },
  },
  {
    label: 'decimal string, time connect, binary hex',
    envelope: { decimalHandling: 'string', timePrecision: 'connect', binaryHandling: 'hex' },
    debezium: { 'decimal.handling.mode': 'string', 'time.precision.mode': 'connect', 'binary.handling.mode': 'hex' },
  },
  {
    label: 'binary base64-url-safe, time isostring, hstore map',
    envelope: { binaryHandling: 'base64-url-safe', timePrecision: 'isostring', hstoreHandling: 'map' },
    debezium: { 'binary.handling.mode': 'base64-url-safe', 'time.precision.mode': 'isostring', 'hstore.handling.mode': 'map' },
  },
];

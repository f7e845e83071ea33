import type { EnvelopeOptions } from '../options';
import type { JsonValue } from '../json';


/** The handling modes value conversion depends on (Debezium's *.handling.mode options). */
export type ValueOptions = Pick<
  EnvelopeOptions,
  'decimalHandling' | 'timePrecision' | 'binaryHandling' | 'intervalHandling' | 'hstoreHandling'
>;

/** Converts one non-null PostgreSQL text-form value of a fixed column type. */
export type Converter = (text: string) => JsonValue;


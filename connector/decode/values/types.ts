import type { EnvelopeConfig } from '../../../config/types';
import type { JsonValue } from '../../envelope/json';

/** The handling modes value conversion depends on (Debezium's *.handling.mode options). */
export type ValueOptions = Pick<
  EnvelopeConfig,
  'decimalHandling' | 'timePrecision' | 'binaryHandling' | 'intervalHandling' | 'hstoreHandling'
>;

/** Converts one non-null PostgreSQL text-form value of a fixed column type. */
export type Converter = (text: string) => JsonValue;

/**
 * A type created in the database (CREATE TYPE / DOMAIN / EXTENSION: OID >= 16384), read from
 * pg_type so values of enums, domains, extension types and their arrays map as Debezium maps
 * them. See connector/source/user-types.ts.
 */
export interface UserType {
  readonly oid: number;
  readonly name: string;
  /** pg_type.typtype: b base, c composite, d domain, e enum, r range, m multirange, p pseudo. */
  readonly kind: string;
  /** Domains: the base type and its typmod. */
  readonly baseOid: number;
  readonly baseTypeMod: number;
  /** Arrays: the element type (pg_type.typelem), else 0. */
  readonly elementOid: number;
  /** Enums: the labels in their sort order (pg_enum), for the Connect schema's `allowed`. */
  readonly labels?: readonly string[];
}

export type UserTypes = ReadonlyMap<number, UserType>;

/**
 * A type created in the database (CREATE TYPE / DOMAIN / EXTENSION: OID >= 16384), read from
 * pg_type so values of enums, domains, extension types and their arrays map as Debezium maps
 * them. Read by connector/source/user-types.ts, used by
 * envelope/values.
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

/**
 * Which builder a connector gets: the fast one (fast-builder.ts) when every envelope option is
 * one it was checked against, else the generic EnvelopeBuilder.
 *
 * The check is an allow-list of option names, each with the values the fast path reproduces: an
 * option added later (schemas, a transaction block, another serializer) turns the fast path off
 * until it is listed here and the equivalence test covers it, so a new feature can never be
 * silently skipped by the fast path.
 */
import type { EnvelopeOptions } from '../options';
import { EnvelopeBuilder, type EnvelopeContext } from '../builder';
import { FastEnvelopeBuilder } from './fast-builder';

/** Option name -> whether the fast path reproduces the generic output for this value. */
const COVERED: Readonly<Record<keyof EnvelopeOptions, (value: unknown) => boolean>> = {
  // Every value: the fast path reuses the generic relation state (converters, column controls,
  // key choice) and event filter, and hands deletes and key changes to the generic builder.
  tombstonesOnDelete: () => true,
  decimalHandling: () => true,
  timePrecision: () => true,
  binaryHandling: () => true,
  intervalHandling: () => true,
  // Both modes: the converter writes the hstore (text or map) as a RawJson the fast path copies.
  hstoreHandling: () => true,
  // Record names appear in schemas only, which the generic builder writes.
  schemaNameAdjustment: () => true,
  skippedOperations: () => true,
  messagePrefixInclude: () => true,
  messagePrefixExclude: () => true,
  columnInclude: () => true,
  columnExclude: () => true,
  columnTruncate: () => true,
  columnMask: () => true,
  columnMaskWithHash: () => true,
  columnHashAlgorithm: () => true,
  columnHashSalt: () => true,
  messageKeyColumns: () => true,
  // Both values: the relation state's nullValues, which the relation encoder writes for a null.
  replaceNullWithDefault: () => true,
  // Not reproduced: the {schema, payload} wrapping and the transaction block go through the
  // generic builder.
  schemas: (v) => v !== true,
  transactionMetadata: (v) => v !== true,
};

/** The options the fast path does not cover (empty when it covers them all). */
export function uncoveredEnvelopeOptions(options: EnvelopeOptions): string[] {
  const covered = COVERED as Readonly<Record<string, ((value: unknown) => boolean) | undefined>>;
  const values = options as unknown as Readonly<Record<string, unknown>>;
  return Object.keys(options).filter((name) => covered[name]?.(values[name]) !== true);
}

/** The fast builder when it covers the options, else the generic one. */
export function createEnvelopeBuilder(ctx: EnvelopeContext): EnvelopeBuilder {
  return uncoveredEnvelopeOptions(ctx.options).length === 0 ? new FastEnvelopeBuilder(ctx) : new EnvelopeBuilder(ctx);
}

export { FastEnvelopeBuilder } from './fast-builder';

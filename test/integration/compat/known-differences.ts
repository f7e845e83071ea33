/**
 * Differences from Debezium 3.6.1 that walcast keeps on purpose, each with its reason. The
 * suite fails on any difference not listed here. Keep this list short and every reason true:
 * it is README's list of where walcast is not a drop-in.
 */
import type { Difference } from './compare';

export interface KnownDifference {
  /** Matches Difference.path (e.g. `value.after.c_date`). */
  readonly path: RegExp;
  /** Optional: matches what Debezium wrote. */
  readonly debezium?: RegExp;
  /** Optional: matches what walcast wrote. */
  readonly walcast?: RegExp;
  /** Optional: matches Difference.record (`<topic> <key> <op>`). */
  readonly record?: RegExp;
  readonly reason: string;
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    path: /^(key|keySchema|headers\.__debezium\.(old|new)key)\./,
    record: /\.public\.idx_ri /,
    reason: 'REPLICA IDENTITY USING INDEX: Debezium keys by the primary key, which the old row of a delete or identity ' +
      'change lacks, so it routes them by the fallback key {"id":0} (and never deletes the row downstream); walcast keys ' +
      'such a table by the identity index columns (connector/decode/key-columns.ts).',
  },
  {
    path: /^value\.(after|before)\.c_name$/,
    debezium: /^null$/,
    reason: 'Debezium 3.6.1 streams a `name` column as null over pgoutput (its snapshot has the value); walcast keeps the value.',
  },
  {
    path: /^value\.(after|before)\.c_date$/,
    reason: 'date ±infinity: Debezium writes an int32 overflow of PgJDBC\'s sentinel, different in its snapshot (-622191234) and ' +
      'its streaming (-2147472692); BC dates: its snapshot (JDBC) drops the era. walcast writes int32 max/min and the true day.',
  },
  {
    path: /^value\.(after|before)\.a_date\[\d+\]$/,
    reason: 'date[] elements ±infinity and BC: Debezium writes the overflowed sentinel and drops the era (PgJDBC\'s array reader); ' +
      'walcast writes the same values as for a date column.',
  },
  {
    path: /^value\.(after|before)\.a_tstz\[\d+\]$/,
    debezium: /^"\+292269055-/,
    reason: 'timestamptz[] element -infinity: Debezium writes the year 292269055 (java.util.Date of PgJDBC\'s sentinel); walcast "-infinity" as for a column.',
  },
  {
    path: /^value\.(after|before)\.(c_ts3?|a_ts\[\d+\])$/,
    debezium: /^"[+-]\d{6}/,
    reason: 'timestamp ±infinity under time.precision.mode=isostring: Debezium formats PgJDBC\'s sentinel as a date around the ' +
      'year ±290000; walcast writes "infinity" / "-infinity".',
  },
  {
    path: /^value\.data_collections\[\d+\]\.data_collection$/,
    debezium: /LogicalDecodingMessageMonitor\$LogicalDecodingMessageId@/,
    reason: 'Transaction metadata END of a transaction with a logical message: Debezium names the message\'s data collection by a ' +
      'Java object reference (LogicalDecodingMessageId@<identity hash>, different in every run); walcast writes the message prefix.',
  },
];

export function explain(d: Difference): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find((k) => k.path.test(d.path) && (k.debezium === undefined || k.debezium.test(d.debezium)) &&
    (k.walcast === undefined || k.walcast.test(d.walcast)) &&
    (k.record === undefined || k.record.test(d.record)));
}

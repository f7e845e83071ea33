/**
 * PostgreSQL timestamps on the wire (pgoutput Begin/Commit, XLogData, standby status) are
 * microseconds since 2000-01-01T00:00:00Z. Defined once here; every conversion goes through it.
 */
export const PG_EPOCH_UNIX_MS = 946_684_800_000n;
export const PG_EPOCH_UNIX_US = PG_EPOCH_UNIX_MS * 1000n;

/** µs since the PostgreSQL epoch -> µs since the Unix epoch. */
export function pgMicrosToUnixMicros(pgMicros: bigint): bigint {
  return pgMicros + PG_EPOCH_UNIX_US;
}

/** Current time as µs since the PostgreSQL epoch (for standby status updates). */
export function nowPgMicros(nowMs: number = Date.now()): bigint {
  return BigInt(nowMs) * 1000n - PG_EPOCH_UNIX_US;
}

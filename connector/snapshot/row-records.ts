/**
 * The op 'r' record of one snapshot row, id `<consistent point>:r:<schema>.<table>:<key JSON | ctid>`.
 *
 * The builder makes the id from the record's key (EnvelopeBuilder.snapshotRecordKeyId; the fast
 * builder, the connector's default, from the key JSON its per-relation encoder wrote, the same
 * encoder as for streamed inserts). A keyless
 * table's rows arrive with their ctid in front, which becomes the id and is not a column.
 *
 * The processing time (ts_ms/ts_us/ts_ns) is read once per `tick()` (once per batch of rows a
 * reader delivers), not once per row.
 */
import type { EnvelopeBuilder, SnapshotMarker } from '../envelope/builder';
import { formatLsn, type Lsn } from '../protocol/lsn';
import type { SinkRecord } from '../model/record';
import type { RawRow } from './reader';
import type { SnapshotTable } from './types';

export class SnapshotRecords {
  /** Per table index: `<point>:r:<schema>.<table>:`. */
  private readonly idPrefixes: string[] = [];
  private nowUs = 0n;

  constructor(
    private readonly builder: EnvelopeBuilder,
    private readonly consistentPoint: Lsn,
    /** source.txId of every record (the snapshot's xmax), null when unknown. */
    private readonly txId: number | null,
    tables: readonly SnapshotTable[],
  ) {
    const point = `${formatLsn(consistentPoint)}:r:`;
    for (const t of tables) this.idPrefixes[t.index] = `${point}${t.relation.schema}.${t.relation.table}:`;
    this.tick();
  }

  /** Reads the clock: records made from now on carry this processing time. */
  tick(): void {
    this.nowUs = BigInt(Date.now()) * 1000n;
  }

  /** The record of `row` (a keyless table's row starts with its ctid). */
  record(table: SnapshotTable, row: RawRow, marker: SnapshotMarker): SinkRecord {
    const prefix = this.idPrefixes[table.index]!;
    if (table.primaryKey.length === 0) {
      return this.builder.snapshotRecord(table.relation, row.slice(1), marker, this.consistentPoint, prefix + (row[0] ?? ''), this.nowUs, this.txId);
    }
    return this.builder.snapshotRecordKeyId(table.relation, row, marker, this.consistentPoint, prefix, this.nowUs, this.txId);
  }
}

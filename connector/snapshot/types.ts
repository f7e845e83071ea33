/** Public contract of the snapshot reader and the table model its parts share. */
import type { Relation } from '../model/change';
import type { EnvelopeBuilder } from '../envelope/builder';
import type { Logger } from '../observe/logger';
import type { Metrics } from '../observe/metrics';
import type { Lsn } from '../protocol/lsn';
import type { Sink } from '../sink/port';
import type { SnapshotProgressRecord } from './resume';
import type { ReplaySpec } from './replay-spec';

export type ProgressMode = 'auto' | 'bar' | 'log' | 'none';

export interface SnapshotOptions {
  /** Normal (non-replication) connection URL. */
  readonly url: string;
  /** Exported snapshot to import; null = take a fresh REPEATABLE READ snapshot (shared by all readers). */
  readonly snapshotName: string | null;
  /** Slot's consistent point: source.lsn of every op 'r' event and the prefix of every id. */
  readonly consistentPoint: Lsn;
  readonly tables: ReadonlyArray<{ readonly schema: string; readonly table: string }>;
  /** Reader connections sharing the snapshot. */
  readonly parallelism: number;
  readonly chunkRows: number;
  readonly builder: EnvelopeBuilder;
  /** ensureTopics already done by the caller. */
  readonly sink: Sink;
  readonly logger: Logger;
  /** Bound on records handed to the sink but not yet acknowledged. */
  readonly maxInFlightRecords: number;
  /** auto: bars when stderr is a TTY, else JSON log lines. */
  readonly progress: ProgressMode;
  /** Abort -> stop reading, reject with ConnectorError('ABORTED'). */
  readonly signal?: AbortSignal;
  /** Every reader has run SET TRANSACTION SNAPSHOT: the exported snapshot is no longer needed. */
  readonly onSnapshotImported?: () => void;
  /** Records per sink.publish call. Default 500. */
  readonly batchRecords?: number;
  /** Rows per FETCH. Default 1000. */
  readonly fetchRows?: number;
  /** Where progress bars are drawn. Default process.stderr. */
  readonly progressStream?: NodeJS.WriteStream;
  /** Snapshot rows done/estimated per table and op 'r' events, for /metrics. */
  readonly metrics?: Metrics;
  /**
   * Exactly-once: every chunk is published as one unit with the snapshot's progress
   * (resume.ts), which the sink commits in one Kafka transaction; `resume` is the progress an
   * interrupted run of the same snapshot committed (its ranges are not read again).
   */
  readonly exactlyOnce?: { readonly startedAt: string; readonly resume: SnapshotProgressRecord | null };
}

export interface SnapshotResult {
  readonly tables: number;
  readonly rows: number;
  readonly durationMs: number;
  /** Exactly-once: which run read which rows, for the stream's replay (replay-spec.ts); null otherwise. */
  readonly replay: ReplaySpec | null;
}

/** A primary-key column in index order, with the type name to cast bound text values to. */
export interface KeyColumn {
  readonly name: string;
  /** `"pg_catalog"."int8"`: schema-qualified, quoted pg_type name. */
  readonly typeSql: string;
  /** The column's collation, schema-qualified and quoted; null when the type has none. */
  readonly collationSql: string | null;
}

/** A table as read from the catalog inside the snapshot. */
export interface SnapshotTable {
  /** Position in the caller's table list. */
  readonly index: number;
  readonly relation: Relation;
  /** Primary key in index order; empty when the table has none (chunked by ctid pages). */
  readonly primaryKey: readonly KeyColumn[];
  /** pg_class.reltuples; -1 when never analyzed. */
  readonly estimatedRows: number;
  /** pg_class.relpages (estimate of the planner). */
  readonly relPages: number;
  /** Current size in blocks (pg_relation_size / block_size). */
  readonly pages: number;
  /** relkind 'p': holds no rows itself, so no ctid chunking. */
  readonly partitioned: boolean;
}

/**
 * The initial snapshot: `parallelism` reader connections share one snapshot (the slot's exported
 * one, or a fresh one exported by the first reader), the first reader locks every table
 * ACCESS SHARE (as pg_dump does, so DDL waits until the read is over) and reads the catalog,
 * then all readers drain one queue of chunks (tables largest first). Every row becomes one op
 * 'r' record with Debezium's snapshot markers and the id
 * `<consistent point>:r:<schema>.<table>:<key JSON | ctid>`. Resolves when the sink acknowledged
 * every record; any failure closes everything and rejects (first error wins).
 */
import { ConnectorError } from '../errors';
import type { SnapshotMarker } from '../envelope/builder';
import { formatLsn } from '../protocol/lsn';
import { qualifiedName } from '../source/sql';
import { displayName } from '../source/tables';
import { loadTable } from './catalog';
import { boundarySql, chunkSql, keyChunks, pageChunks, rowsPerPage, type Chunk } from './chunks';
import { Dispatcher } from '../sink/dispatcher';
import { SnapshotMarkers } from './markers';
import { meteredProgress } from './metered-progress';
import { createProgress, type SnapshotProgress } from './progress';
import { SnapshotReader, type RawRow } from './reader';
import { SnapshotRecords } from './row-records';
import { SnapshotProgressLedger, type ReadPoint } from './resume';
import { replaySpec } from './replay-spec';
import type { SinkRecord } from '../model/record';
import type { SnapshotOptions, SnapshotResult, SnapshotTable } from './types';
import { WorkQueue } from './work-queue';

interface PendingRow {
  readonly table: SnapshotTable;
  readonly row: RawRow;
  /** Exactly-once: the chunk the row belongs to. */
  readonly unit: ChunkUnit | null;
}

/**
 * Exactly-once: one chunk's records, published as one unit once every row read was emitted
 * (the markers hold a table's last row back until the next one or the table's end).
 */
interface ChunkUnit {
  readonly table: string;
  readonly chunk: Chunk;
  records: SinkRecord[];
  read: number;
  emitted: number;
  readDone: boolean;
  published: boolean;
}

/**
 * source.txId stand-in (xmax), the snapshot as text, and the WAL position after it (the insert
 * position; on a standby the replay position: a transaction the snapshot sees was replayed there).
 */
const SNAPSHOT_SEEN_SQL = `SELECT pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text,
  pg_catalog.pg_current_snapshot()::text,
  (CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_insert_lsn() END)::text`;

export async function runSnapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const started = Date.now();
  const logger = options.logger;
  const fetchRows = options.fetchRows ?? 1000;
  const parallelism = Math.max(1, Math.floor(options.parallelism));
  const chunkRows = Math.max(1, Math.floor(options.chunkRows));
  const readers: SnapshotReader[] = [];
  let failure: ConnectorError | null = null;
  let progress: SnapshotProgress | null = null;
  let queue: WorkQueue | null = null;
  let publisher: Dispatcher | null = null;

  const fail = (e: unknown): void => {
    if (failure) return;
    failure = e instanceof ConnectorError ? e : new ConnectorError('SNAPSHOT', 'snapshot failed', { cause: e });
    queue?.close();
    publisher?.abort(failure);
    // Closing the connections interrupts queries in flight.
    for (const r of readers) void r.close();
  };
  const check = (): void => {
    if (failure) throw failure;
  };
  const onAbort = (): void => fail(new ConnectorError('ABORTED', 'snapshot aborted'));
  if (options.signal?.aborted) throw new ConnectorError('ABORTED', 'snapshot aborted');
  options.signal?.addEventListener('abort', onAbort);

  try {
    const opened = await Promise.allSettled(
      Array.from({ length: parallelism }, (_, i) => SnapshotReader.open(options.url, i, `walcast-snapshot-${i}`)),
    );
    for (const o of opened) if (o.status === 'fulfilled') readers.push(o.value);
    for (const o of opened) if (o.status === 'rejected') fail(o.reason);
    check();

    // The first reader imports (or takes and exports) the snapshot, the others import it.
    const first = readers[0]!;
    // A standby's snapshot does not list the transactions running at it: its ReadPoint is the
    // replay position before it was taken (resume.ts).
    const [standby] = options.snapshotName === null
      ? await first.rows({ text: 'SELECT pg_catalog.pg_is_in_recovery()::text, pg_catalog.pg_last_wal_replay_lsn()::text', values: [] })
      : [];
    const name = await first.begin(options.snapshotName, options.snapshotName === null && parallelism > 1);
    await Promise.all(readers.slice(1).map((r) => r.begin(name, false)));
    check();
    // source.txId of snapshot rows. Debezium takes its snapshot transaction's id; our readers are
    // read-only and get none, so the snapshot's xmax (the first id it does not see) stands in.
    // What the snapshot sees, and a WAL position every transaction it sees committed below (read
    // after it was taken): a fresh snapshot's ReadPoint (resume.ts).
    const [seen] = await first.rows({ text: SNAPSHOT_SEEN_SQL, values: [] });
    const snapshotTxId = seen?.[0] == null ? null : Number(seen[0]);
    const readPoint: ReadPoint = options.snapshotName !== null ? null
      : standby?.[0] === 'true' && standby[1] ? { snapshot: '', walAfter: standby[1] }
        : seen?.[1] && seen[2] ? { snapshot: seen[1], walAfter: seen[2] } : null;
    logger.info({ readers: parallelism, snapshot: options.snapshotName ?? 'fresh', tables: options.tables.length }, 'snapshot imported by every reader');
    try {
      options.onSnapshotImported?.();
    } catch (e) {
      logger.warn({ err: e }, 'onSnapshotImported callback failed');
    }
    if (options.tables.length > 0) {
      const lock = `LOCK TABLE ${options.tables.map((t) => qualifiedName(t.schema, t.table)).join(', ')} IN ACCESS SHARE MODE`;
      await first.query(lock);
      // The other readers lock NOWAIT, as pg_dump's workers do: DDL queued behind the first
      // reader's lock would otherwise block a reader's first SELECT, while the DDL itself waits
      // for the snapshot to end — a hang. A reader that cannot lock at once drops out; the first
      // reader holds every lock and the remaining readers do the work.
      const locked = await Promise.allSettled(readers.slice(1).map((r) => r.query(`${lock} NOWAIT`)));
      for (let i = locked.length - 1; i >= 0; i--) {
        if (locked[i]!.status === 'fulfilled') continue;
        const [dropped] = readers.splice(i + 1, 1);
        logger.warn({ reader: dropped!.id, err: String((locked[i] as PromiseRejectedResult).reason) },
          'snapshot reader could not lock the tables at once (DDL waiting?); continuing without it');
        void dropped!.close();
      }
    }
    const tables: SnapshotTable[] = [];
    for (const [i, t] of options.tables.entries()) tables.push(await loadTable(first, i, t.schema, t.table));
    check();

    const order = [...tables].sort((a, b) => b.estimatedRows - a.estimatedRows || b.pages - a.pages).map((t) => t.index);
    const q = new WorkQueue(order);
    queue = q;
    const names = tables.map((t) => displayName(t.relation));
    const progressTables = tables.map((t, i) => ({ name: names[i]!, estimatedRows: t.estimatedRows }));
    const prog = meteredProgress(createProgress(options.progress, progressTables, { logger, stream: options.progressStream }), progressTables, options.metrics);
    progress = prog;

    const pub = new Dispatcher({
      sink: options.sink, batchRecords: options.batchRecords ?? 500, maxUnacked: options.maxInFlightRecords, onError: fail,
      onAcked: options.metrics ? (_first, n) => options.metrics!.acked(n) : undefined,
      failure: { code: 'SNAPSHOT', message: 'publishing snapshot records failed' },
    });
    publisher = pub;
    const eos = options.exactlyOnce;
    const ledger = eos ? new SnapshotProgressLedger(eos.startedAt, eos.resume, readPoint) : null;
    const tableKey = (t: SnapshotTable): string => `${t.relation.schema}.${t.relation.table}`;
    if (ledger && eos?.resume) {
      logger.info({ startedAt: eos.startedAt, tables: Object.keys(eos.resume.tables).length },
        'resuming the interrupted snapshot: chunks committed to Kafka before are not read again');
    }
    const settle = (unit: ChunkUnit): void => {
      if (!ledger || unit.published || !unit.readDone || unit.emitted !== unit.read) return;
      unit.published = true;
      // A chunk that read nothing is not recorded: a later run reads its range again, and no
      // row of it was sent (so a table one run read keeps its single `all` range).
      if (unit.read === 0) return;
      pub.pushUnit(unit.records, { snapshot: ledger.add(unit.table, unit.chunk) }, undefined);
      unit.records = [];
    };
    const records = new SnapshotRecords(options.builder, options.consistentPoint, snapshotTxId, tables);
    const markers = new SnapshotMarkers<PendingRow>((p: PendingRow, marker: SnapshotMarker) => {
      const out = records.record(p.table, p.row, marker);
      if (p.unit) {
        p.unit.records.push(out);
        p.unit.emitted++;
        settle(p.unit);
      } else {
        pub.pushOne(out, undefined);
      }
    });

    const readChunk = async (reader: SnapshotReader, chunk: Chunk): Promise<void> => {
      const table = tables[chunk.table]!;
      const unit: ChunkUnit | null = ledger
        ? { table: tableKey(table), chunk, records: [], read: 0, emitted: 0, readDone: false, published: false }
        : null;
      const sql = chunkSql(table, chunk, ledger ? eos?.resume?.tables[tableKey(table)] ?? [] : []);
      await reader.stream(sql, fetchRows, async (rows) => {
        records.tick();
        for (const row of rows) {
          check();
          // A loop: every waiting reader wakes when room frees up, and another may fill it first.
          if (pub.full) {
            while (pub.full) await pub.untilRoom();
            records.tick();
          }
          if (unit) unit.read++;
          markers.row(table.index, { table, row, unit });
        }
        prog.rows(table.index, rows.length);
      });
      check();
      if (unit) {
        unit.readDone = true;
        settle(unit);
      }
      if (q.chunkDone(chunk)) {
        markers.tableDone(table.index);
        prog.tableDone(table.index);
      }
    };

    const plan = async (reader: SnapshotReader, table: SnapshotTable): Promise<Chunk[]> => {
      if (table.primaryKey.length > 0) {
        const boundaries = await reader.rows(boundarySql(table, chunkRows));
        return keyChunks(table.index, boundaries.map((b) => b.map((v) => v ?? '')));
      }
      if (table.partitioned) return [{ kind: 'all', table: table.index }];
      return pageChunks(table.index, table.pages, rowsPerPage(table), chunkRows);
    };

    const work = async (reader: SnapshotReader): Promise<void> => {
      try {
        for (let task = await q.next(); task && !failure; task = await q.next()) {
          if (task.kind === 'plan') {
            const table = tables[task.table]!;
            const chunks = await plan(reader, table);
            logger.debug({ table: names[table.index], chunks: chunks.length, reader: reader.id }, 'snapshot table planned');
            q.planned(task.table, chunks);
          } else {
            await readChunk(reader, task.chunk);
          }
        }
      } catch (e) {
        fail(e);
      }
    };
    await Promise.all(readers.map(work));
    check();
    markers.finish();
    await pub.settle().catch(fail);
    check();
    await Promise.all(readers.map((r) => r.commit()));
    const result: SnapshotResult = {
      tables: tables.length, rows: markers.count, durationMs: Date.now() - started,
      replay: ledger ? replaySpec(ledger.current(), tables) : null,
    };
    logger.info(
      { tables: result.tables, rows: result.rows, durationMs: result.durationMs, rowsPerSec: Math.round(result.rows / Math.max(result.durationMs / 1000, 0.001)), consistentPoint: formatLsn(options.consistentPoint) },
      'snapshot complete',
    );
    return result;
  } catch (e) {
    fail(e);
    throw failure ?? e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // progress is assigned in the try block; TypeScript cannot see that through the closure.
    (progress as SnapshotProgress | null)?.stop();
    await Promise.all(readers.map((r) => r.close()));
  }
}

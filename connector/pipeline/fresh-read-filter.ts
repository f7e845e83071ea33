/**
 * Exactly-once: drops the replayed records a fresh snapshot already showed (spec: replay-spec.ts).
 *
 * A snapshot read on a kept slot (a resumed snapshot, or any snapshot that did not import the
 * slot's own) is newer than the slot's position: the slot then replays transactions that
 * snapshot sees, and their effect on the rows it read is already in Kafka as op 'r'. Such a
 * transaction X's record about key k is dropped when the run that read k saw X; every other
 * record goes out. So each row version reaches Kafka once: a row read at the slot's consistent
 * point gets every change after it; a row read later gets the changes its read did not see.
 *
 * - Which run read k: one run read the whole table (an `all` range: no lookup), or PostgreSQL
 *   says which range holds k (key-range-check.ts; the first, in commit order).
 * - Whether a run saw X: X's xid against the run's snapshot (`xmin:xmax:xip`), widened to 64
 *   bits from xmax. Transactions committing at or after every run's `walAfter` are seen by none.
 * - A key change is two records about two keys: the delete and its tombstone (`__debezium.newkey`
 *   header) about the old key, the create (`__debezium.oldkey` header) about the new one.
 *   A key change the envelope sends as one record (the message key did not change:
 *   messageKeyColumns, or a replica identity other than the key) is about the new key.
 * - A truncate of a table one run read whole goes when that run did not see it. A truncate of a
 *   table several runs read goes out, and from its transaction on the table is not filtered any
 *   more (the rows after it come from replayed inserts; at worst a version appears twice); that
 *   is recorded in the state before the truncate is sent, so a restart past it knows.
 * - Kept as they are: a table without a key read by several runs, a table whose runs recorded
 *   ranges of different kinds or key lengths (its key changed between runs), rows whose key
 *   columns are not all in the event (replica identity other than the key).
 */
import type { DataEvent, Relation, Tuple } from '../model/change';
import type { SinkRecord } from '../model/record';
import { LSN_ZERO, parseLsn, type Lsn } from '../protocol/lsn';
import type { KeyRangeChecker } from '../snapshot/key-range-check';
import { replayTableName, type ReplaySpec, type ReplayTable } from '../snapshot/replay-spec';
import type { ReadPoint } from '../snapshot/resume';

const XID_SPAN = 1n << 32n;
const HALF_SPAN = 1n << 31n;

/** A fresh snapshot's visibility: which transaction ids it sees as committed. */
export class SnapshotVisibility {
  private readonly xmin: bigint;
  private readonly xmax: bigint;
  private readonly running: ReadonlySet<bigint>;

  /** `text`: pg_current_snapshot()::text, `xmin:xmax:xip,...` (64-bit ids). */
  constructor(text: string) {
    const m = /^(\d+):(\d+):([\d,]*)$/.exec(text);
    if (!m) throw new RangeError(`not a snapshot: ${text}`);
    this.xmin = BigInt(m[1]!);
    this.xmax = BigInt(m[2]!);
    this.running = new Set(m[3] ? m[3].split(',').map((x) => BigInt(x)) : []);
  }

  /** Whether the snapshot sees the (committed) transaction with 32-bit id `xid`. */
  sees(xid: number): boolean {
    // The 64-bit id nearest below or above xmax with these low 32 bits.
    const behind = (this.xmax - BigInt(xid)) % XID_SPAN;
    const back = behind < 0n ? behind + XID_SPAN : behind;
    if (back === 0n || back >= HALF_SPAN) return false; // at or after xmax
    const full = this.xmax - back;
    return full < this.xmin || !this.running.has(full);
  }
}

interface Run {
  readonly visibility: SnapshotVisibility | null;
  readonly walAfter: Lsn;
}

/** Which runs saw a transaction: one flag per run. */
export type SeenBy = readonly boolean[];

export class FreshReadFilter {
  private readonly runs: readonly Run[];
  /** Transactions committing at or after this were seen by no run. */
  private readonly horizon: Lsn;
  private readonly tables: ReadonlyMap<string, ReplayTable>;

  /** Tables truncated in the window (a truncate that went out): not filtered from that commit on. */
  private readonly truncated: Map<string, Lsn>;
  /** Per relation (the decoder's object, replaced when its definition changes): key column positions. */
  private readonly keyPositions = new WeakMap<Relation, readonly number[] | null>();

  /**
   * `recordTruncated` records (in the connector state) that a truncate of `table` in the
   * transaction committing at `commitLsn` goes out; the truncate waits for it.
   */
  constructor(spec: ReplaySpec, private readonly checker: KeyRangeChecker, private readonly recordTruncated: (table: string, commitLsn: Lsn) => Promise<void>) {
    this.runs = spec.reads.map((p: ReadPoint) => p === null
      ? { visibility: null, walAfter: LSN_ZERO }
      : { visibility: p.snapshot === '' ? null : new SnapshotVisibility(p.snapshot), walAfter: parseLsn(p.walAfter) });
    this.horizon = this.runs.reduce<Lsn>((a, r) => (r.walAfter > a ? r.walAfter : a), LSN_ZERO);
    this.tables = new Map(Object.entries(spec.tables));
    this.truncated = new Map(Object.entries(spec.truncated ?? {}).map(([t, l]) => [t, parseLsn(l)]));
  }

  /** Whether any run of the snapshot read a fresh snapshot (otherwise there is nothing to drop). */
  get active(): boolean {
    return this.horizon > LSN_ZERO;
  }

  /** At BEGIN: which runs saw the transaction; null when none did (its records all go out). */
  seenBy(xid: number, commitLsn: Lsn): SeenBy | null {
    if (commitLsn >= this.horizon) return null;
    // A run without visibility (a standby's) sees exactly what committed below its walAfter.
    const seen = this.runs.map((r) => r.walAfter > LSN_ZERO && commitLsn < r.walAfter && (r.visibility === null || r.visibility.sees(xid)));
    return seen.some(Boolean) ? seen : null;
  }

  /**
   * The records of `ev` (built from it, in order) to send, for the transaction committing at
   * `commitLsn` seen by `seen`: at once when no lookup is needed, else once PostgreSQL placed the
   * keys (or the state recorded a truncate).
   */
  keep(ev: DataEvent, seen: SeenBy, records: SinkRecord[], commitLsn: Lsn): SinkRecord[] | Promise<SinkRecord[]> {
    if (ev.kind === 'message') return records;
    if (ev.kind === 'truncate') return this.truncate(ev.relations, seen, records, commitLsn);
    const name = replayTableName(ev.relation.schema, ev.relation.table);
    const table = this.tables.get(name);
    if (!table || this.truncatedBy(name, commitLsn)) return records;
    const whole = wholeRun(table);
    if (whole !== null) return seen[whole] ? [] : records;
    if (!placeable(table)) return records;
    const at = this.positions(table, ev.relation);
    if (at === null) return records;
    const newKey = ev.kind === 'delete' ? null : keyOf(at, ev.after);
    const oldKey = ev.kind === 'insert' ? null : ev.before ? keyOf(at, ev.before) : newKey;
    if ((ev.kind !== 'delete' && newKey === null) || (ev.kind !== 'insert' && oldKey === null)) return records;
    return this.place(name, table, ev.kind, seen, records, oldKey, newKey);
  }

  /** Where the table's key columns are in the relation; null when one is missing. */
  private positions(table: ReplayTable, relation: Relation): readonly number[] | null {
    let at = this.keyPositions.get(relation);
    if (at === undefined) {
      const found = table.key.map((k) => relation.columns.findIndex((c) => c.name === k.name));
      at = found.includes(-1) ? null : found;
      this.keyPositions.set(relation, at);
    }
    return at;
  }

  private async place(name: string, table: ReplayTable, kind: 'insert' | 'update' | 'delete', seen: SeenBy, records: SinkRecord[], oldKey: string[] | null, newKey: string[] | null): Promise<SinkRecord[]> {
    const shown = async (key: string[]): Promise<boolean> => {
      const i = await this.checker.rangeOf(name, table.key, table.ranges, key);
      return i >= 0 && seen[table.ranges[i]!.read] === true;
    };
    const dropOld = oldKey ? await shown(oldKey) : false;
    const dropNew = newKey ? (oldKey && sameKey(oldKey, newKey) ? dropOld : await shown(newKey)) : false;
    if (kind === 'insert') return dropNew ? [] : records;
    if (kind === 'delete' || dropOld === dropNew) return dropOld ? [] : records;
    // A key change: the delete and its tombstone carry the new key's header (they are about the
    // old key), the create the old key's (about the new key); either half may be skipped
    // (skippedOperations). A record with neither is the one record the envelope sends when the
    // message key did not change: the new row's, shown already exactly when the run that read
    // the new key saw it.
    return records.filter((r) => (halfOf(r) === 'old' ? !dropOld : !dropNew));
  }

  /** One record per relation, in order (the envelope's truncate); any other count is kept whole. */
  private truncate(relations: readonly Relation[], seen: SeenBy, records: SinkRecord[], commitLsn: Lsn): SinkRecord[] | Promise<SinkRecord[]> {
    const keep: boolean[] = [];
    const marks: string[] = [];
    for (const r of relations) {
      const name = replayTableName(r.schema, r.table);
      const table = this.tables.get(name);
      const whole = table ? wholeRun(table) : null;
      if (!table || this.truncatedBy(name, commitLsn)) keep.push(true);
      else if (whole !== null) keep.push(!seen[whole]);
      else { keep.push(true); marks.push(name); }
    }
    const kept = records.length === relations.length ? records.filter((_, i) => keep[i]) : records;
    if (marks.length === 0) return kept;
    return (async () => {
      for (const name of marks) {
        await this.recordTruncated(name, commitLsn);
        this.truncated.set(name, commitLsn);
      }
      return kept;
    })();
  }

  /** The table was truncated (and that truncate sent) in this transaction or before it. */
  private truncatedBy(name: string, commitLsn: Lsn): boolean {
    const at = this.truncated.get(name);
    return at !== undefined && commitLsn >= at;
  }

  close(): Promise<void> {
    return this.checker.close();
  }
}

/** Which key a record of an update is about: the old one (a key change's delete half) or the new one. */
function halfOf(r: SinkRecord): 'old' | 'new' {
  return r.headers?.['__debezium.newkey'] !== undefined ? 'old' : 'new';
}

/** Key ranges all of the table's key length: PostgreSQL can say which holds a key. */
function placeable(table: ReplayTable): boolean {
  const n = table.key.length;
  return n > 0 && table.ranges.every((r) => r.kind === 'keys' && (r.lower === null || r.lower.length === n) && (r.upper === null || r.upper.length === n));
}

function wholeRun(table: ReplayTable): number | null {
  const [only, ...rest] = table.ranges;
  return only?.kind === 'all' && rest.length === 0 ? only.read : null;
}

/** The key's text values from a tuple at `positions`; null when one is missing (not sent, or null). */
function keyOf(positions: readonly number[], tuple: Tuple): string[] | null {
  const out: string[] = [];
  for (const i of positions) {
    const v = tuple[i];
    if (typeof v !== 'string') return null;
    out.push(v);
  }
  return out;
}

const sameKey = (a: readonly string[], b: readonly string[]): boolean => a.every((v, i) => v === b[i]);

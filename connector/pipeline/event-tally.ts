/**
 * Counts stream change events by table and op between two flushes to /metrics, so the hot path
 * does a map lookup and an increment per event and prom-client sees one update per (table, op)
 * per batch. Events, not records: a delete and its tombstone, or a key change (delete,
 * tombstone, create), count once, with the change's own op.
 */
import type { DataEvent, Relation } from '../model/change';
import type { Metrics } from '../observe/metrics';
import { displayName } from '../source/tables';

const OP: Readonly<Record<DataEvent['kind'], string>> = { insert: 'c', update: 'u', delete: 'd', truncate: 't', message: 'm' };

export class EventTally {
  /** Relation (null: logical messages) -> op -> count. Relations are stable objects per decoder. */
  private counts = new Map<Relation | null, Record<string, number>>();
  private readonly names = new WeakMap<Relation, string>();

  add(ev: DataEvent): void {
    const op = OP[ev.kind];
    if (ev.kind === 'truncate') for (const r of ev.relations) this.bump(r, op);
    else this.bump(ev.kind === 'message' ? null : ev.relation, op);
  }

  /** Hands the counts to `metrics` and starts over. */
  flush(metrics: Metrics): void {
    if (this.counts.size === 0) return;
    for (const [relation, ops] of this.counts) {
      const table = relation ? this.name(relation) : '';
      for (const op in ops) metrics.eventPublished(table, op, ops[op], 'stream');
    }
    this.counts = new Map();
  }

  private bump(relation: Relation | null, op: string): void {
    let ops = this.counts.get(relation);
    if (!ops) { ops = {}; this.counts.set(relation, ops); }
    ops[op] = (ops[op] ?? 0) + 1;
  }

  private name(r: Relation): string {
    let n = this.names.get(r);
    if (n === undefined) { n = displayName(r); this.names.set(r, n); }
    return n;
  }
}

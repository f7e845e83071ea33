/**
 * The configured tables (source.tables minus source.excludeTables), applied to the change
 * stream when the publication may carry other tables: publicationMode `all_tables` (FOR ALL
 * TABLES) and `disabled` (a publication someone else defined). A `filtered` publication holds
 * exactly the configured tables, so the server already sends nothing else.
 *
 * Which tables a change may come from:
 * - the tables selected at start, and every partition of a selected partitioned table (their
 *   changes carry the partition's own name); no other table that existed at start;
 * - a table created since the start: kept when its name matches source.tables and no
 *   excludeTables entry (as Debezium applies its include list to new tables);
 * - a table created since that source.tables does not select: dropped, unless a selected table is
 *   partitioned. It may then be a new partition of it, which cannot be told from the change
 *   alone; it is kept (`onUnsure`, once per table) and the next start decides by the catalog.
 *   Dropping a partition's rows would lose them; keeping an unrelated table's is the lesser wrong.
 * An excludeTables entry wins over the last two.
 *
 * A truncate keeps the tables it may; one that names none of them is dropped.
 */
import type { ChangeEvent, Decoder, Relation } from '../model/change';
import { mapEvents } from './map-events';
import type { TableName, TablePattern } from '../source/tables';

export interface TableSelection {
  /** The tables selected at start, with the partitions of the partitioned ones. */
  readonly selected: readonly TableName[];
  /** Every table at start (selected or not). */
  readonly existing: readonly TableName[];
  readonly include: readonly TablePattern[];
  readonly exclude: readonly TablePattern[];
  /** Whether some selected table is partitioned (a table created since may be its partition). */
  readonly partitioned: boolean;
}

const nameKey = (schema: string, table: string): string => `${schema}\u0000${table}`; // NUL cannot occur in a name

export function withTableFilter(decoder: Decoder, sel: TableSelection, onUnsure: (table: TableName) => void): Decoder {
  const selected = new Set(sel.selected.map((t) => nameKey(t.schema, t.table)));
  const existing = new Set(sel.existing.map((t) => nameKey(t.schema, t.table)));
  const told = new Set<string>();
  const verdicts = new WeakMap<Relation, boolean>();
  const decide = (r: Relation): boolean => {
    const key = nameKey(r.schema, r.table);
    if (selected.has(key)) return true;
    if (existing.has(key)) return false;
    const t = { schema: r.schema, table: r.table };
    if (sel.exclude.some((p) => p.matches(t))) return false;
    if (sel.include.some((p) => p.matches(t))) return true;
    if (!sel.partitioned) return false;
    if (!told.has(key)) {
      told.add(key);
      onUnsure(t);
    }
    return true;
  };
  const keeps = (r: Relation): boolean => {
    let v = verdicts.get(r);
    if (v === undefined) {
      v = decide(r);
      verdicts.set(r, v);
    }
    return v;
  };
  /** The event as it passes the filter, or null when it is dropped. */
  const pass = (ev: ChangeEvent): ChangeEvent | null => {
    switch (ev.kind) {
      case 'insert': case 'update': case 'delete':
        return keeps(ev.relation) ? ev : null;
      case 'truncate': {
        const kept = ev.relations.filter(keeps);
        if (kept.length === ev.relations.length) return ev;
        return kept.length === 0 ? null : { ...ev, relations: kept };
      }
      default:
        return ev;
    }
  };
  return mapEvents(decoder, pass);
}

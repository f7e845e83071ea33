/**
 * Message keys are the table's primary key, as in Debezium. pgoutput flags the *replica
 * identity* columns as key columns: for REPLICA IDENTITY FULL that is every column (the key
 * would be the whole row and every update would look like a key change), for NOTHING none.
 * For those relations the key flags are replaced with the primary key read from the catalog at
 * startup, so streaming keys equal snapshot keys. USING INDEX keeps the index columns: its old
 * tuples carry only those, so they are the only key a delete can be routed by.
 */
import type { ChangeEvent, Column, Decoder, Relation } from '../model/change';
import { mapEvents } from './map-events';

export type PrimaryKeys = ReadonlyMap<string, readonly string[]>;

export const relationKey = (schema: string, table: string): string => `${schema}.${table}`;

const rekeyed = (r: Relation): boolean => r.replicaIdentity === 'full' || r.replicaIdentity === 'nothing';

export function withPrimaryKeys(decoder: Decoder, primaryKeys: PrimaryKeys): Decoder {
  const rewritten = new WeakMap<Relation, Relation>();
  const fix = (r: Relation): Relation => {
    if (!rekeyed(r)) return r;
    let out = rewritten.get(r);
    if (!out) {
      const pk = primaryKeys.get(relationKey(r.schema, r.table));
      const keySet = new Set(pk ?? []);
      const columns: Column[] = r.columns.map((c) => ({ ...c, isKey: keySet.has(c.name) }));
      out = Object.freeze({ ...r, columns: Object.freeze(columns) });
      rewritten.set(r, out);
    }
    return out;
  };
  const map = (ev: ChangeEvent): ChangeEvent => {
    switch (ev.kind) {
      case 'insert': case 'update': case 'delete':
        if (!rekeyed(ev.relation)) return ev;
        // The old tuple of FULL is the whole row, not a key-only tuple.
        return { ...ev, relation: fix(ev.relation), ...(ev.kind === 'insert' ? {} : { beforeIsKeyOnly: false }) } as ChangeEvent;
      case 'relation':
        return rekeyed(ev.relation) ? { kind: 'relation', relation: fix(ev.relation) } : ev;
      case 'truncate':
        return ev.relations.some(rekeyed) ? { ...ev, relations: ev.relations.map(fix) } : ev;
      default:
        return ev;
    }
  };
  return mapEvents(decoder, map);
}

/**
 * Message keys are the table's primary key, as in Debezium. pgoutput flags the *replica
 * identity* columns as key columns, which for REPLICA IDENTITY FULL is every column: the key
 * would be the whole row and every update would look like a key change. For such relations the
 * key flags are replaced with the primary key read from the catalog at startup.
 */
import type { ChangeEvent, Column, Decoder, Relation } from './change';

export type PrimaryKeys = ReadonlyMap<string, readonly string[]>;

export const relationKey = (schema: string, table: string): string => `${schema}.${table}`;

export function withPrimaryKeys(decoder: Decoder, primaryKeys: PrimaryKeys): Decoder {
  const rewritten = new WeakMap<Relation, Relation>();
  const fix = (r: Relation): Relation => {
    if (r.replicaIdentity !== 'full') return r;
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
        return ev.relation.replicaIdentity === 'full' ? { ...ev, relation: fix(ev.relation), beforeIsKeyOnly: false } as ChangeEvent : ev;
      case 'relation':
        return ev.relation.replicaIdentity === 'full' ? { kind: 'relation', relation: fix(ev.relation) } : ev;
      case 'truncate':
        return ev.relations.some((r) => r.replicaIdentity === 'full') ? { ...ev, relations: ev.relations.map(fix) } : ev;
      default:
        return ev;
    }
  };
  return {
    plugin: decoder.plugin,
    startOptions: () => decoder.startOptions(),
    decode: (payload, walStart) => {
      const events = decoder.decode(payload, walStart);
      let out: ChangeEvent[] | null = null;
      for (let i = 0; i < events.length; i++) {
        const mapped = map(events[i]);
        if (mapped !== events[i]) {
          out ??= events.slice();
          out[i] = mapped;
        }
      }
      return out ?? events;
    },
  };
}

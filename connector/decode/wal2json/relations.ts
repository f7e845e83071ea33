/**
 * Relations synthesized from wal2json rows. wal2json has no Relation message: each row names its
 * schema and table and lists its columns (name, type, typeoid) and "pk" (primary key columns).
 * The cache keeps one frozen Relation per schema.table and replaces it with a NEW object when
 * the column set or types change, so consumers can compare relations by identity, as with
 * pgoutput.
 *
 * Relation.oid is synthetic: FNV-1a (32-bit) of UTF-8 `schema \0 table`. It is stable across
 * restarts and decoders instances, NOT the pg_class OID, and may (rarely) collide; key on
 * schema+table where it matters.
 *
 * What a row can tell about the table, and where it differs from pgoutput:
 * - INSERT lists every column (TOASTed values are reassembled by the server), so it defines the
 *   column set. UPDATE leaves out unchanged TOASTed columns: a column the cache knows but the
 *   update lacks is UNCHANGED_TOAST if its type can be TOASTed (varlena); a missing fixed-width
 *   column (int4, uuid, timestamptz, ...) means it was dropped, and the relation is rebuilt. A
 *   dropped varlena column is taken for unchanged TOAST until the next INSERT redefines the table.
 *   If the first row seen for a table is such an UPDATE, its omitted columns are unknown.
 * - isKey marks the primary key ("pk"). pgoutput marks the replica identity instead, which for
 *   REPLICA IDENTITY FULL is every column.
 * - replicaIdentity starts as 'default' and becomes 'full' once an UPDATE/DELETE carries old
 *   values for non-key columns ('index' when there is no primary key and the identity is a
 *   subset of the columns). pgoutput knows it from the first row.
 * - A DELETE (or TRUNCATE) of a table not yet seen yields a relation with only the identity
 *   columns (or none); the next INSERT replaces it.
 */
import type { Column, Relation, ReplicaIdentity } from '../../model/change';
import type { W2jColumn } from './payload';
import { holdsAt, RowTemplate, type IdentityColumns } from './row-template';
import { typeModFromTypeName } from './typmod';

/** Fixed-width built-in types: never TOASTed, so never left out as "unchanged TOAST". */
const FIXED_WIDTH_OIDS = new Set<number>([
  16, 18, 19, 20, 21, 23, 26, 27, 28, 29, 600, 601, 603, 628, 700, 701, 718, 774, 790, 829, 1082,
  1083, 1114, 1184, 1186, 1266, 2950, 3220, 5069, 3734, 3769, 2202, 2203, 2204, 2205, 2206, 4089, 4096,
]);

export function synthesizeRelationOid(schema: string, table: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(`${schema}\0${table}`, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function relationKey(schema: string, table: string): string {
  return `${schema}\0${table}`;
}

function makeRelation(schema: string, table: string, replicaIdentity: ReplicaIdentity, columns: Column[]): Relation {
  return Object.freeze({
    oid: synthesizeRelationOid(schema, table),
    schema, table, replicaIdentity,
    columns: Object.freeze(columns.map((c) => Object.freeze(c))),
  });
}

function columnsFrom(list: readonly W2jColumn[], pk: readonly W2jColumn[] | undefined): Column[] {
  const keys = new Set<string>();
  if (pk !== undefined) for (const c of pk) keys.add(c.name);
  return list.map((c) => ({ name: c.name, typeOid: c.typeoid ?? 0, typeMod: typeModFromTypeName(c.type), isKey: keys.has(c.name) }));
}

/** `pk` names as one comparable string. */
function pkSignature(pk: readonly W2jColumn[] | undefined): string {
  if (pk === undefined || pk.length === 0) return '';
  if (pk.length === 1) return pk[0].name;
  return pk.map((c) => c.name).join('\0');
}

/**
 * What an old-row "identity" says about the table's replica identity: it lists every column
 * (FULL; the server detoasts the old row, so nothing is omitted) or only the identity index.
 * When every column is a key column FULL and DEFAULT look alike; 'default' is assumed.
 */
export function identityKind(rel: Relation, identity: readonly { readonly name: string }[]): ReplicaIdentity {
  const hasNonKey = rel.columns.some((c) => !c.isKey);
  if (hasNonKey && identity.length >= rel.columns.length) return 'full';
  if (identity.length > 0 && identity.every((c) => rel.columns.some((k) => k.isKey && k.name === c.name))
    && rel.columns.filter((c) => c.isKey).length === identity.length) return 'default';
  return 'index';
}

interface Entry {
  readonly relation: Relation;
  /** The "type" text each column arrived with: a cheap per-row "nothing changed" check. */
  readonly typeNames: readonly (string | undefined)[];
  readonly pkSig: string;
  readonly pk: readonly W2jColumn[] | undefined;
  /** Built at the first lookup by text; null when this relation's rows cannot be templated. */
  template?: RowTemplate | null;
}

/** `schema","table":"table"` as wal2json prints it (between `"schema":"` and `,`), or null if escaped. */
function printedHead(schema: string, table: string): string | null {
  const head = `${JSON.stringify(schema).slice(1, -1)}","table":"${JSON.stringify(table).slice(1, -1)}"`;
  return head.includes('\\') ? null : head;
}

const TABLE_KEY = '","table":"';

/** Positions an UPDATE/DELETE "identity" lists when the relation keeps its replica identity. */
function identityColumns(rel: Relation): IdentityColumns {
  const ri = rel.replicaIdentity;
  if (ri === 'index') return null;
  const idx: number[] = [];
  rel.columns.forEach((c, i) => { if (ri === 'full' || c.isKey) idx.push(i); });
  if (idx.length === 0 || identityKind(rel, idx.map((i) => rel.columns[i])) !== ri) return null;
  return idx;
}

function buildTemplate(entry: Entry, head: string): RowTemplate | null {
  const { relation, typeNames, pk } = entry;
  if (pk === undefined || typeNames.length !== relation.columns.length || typeNames.some((t) => t === undefined)) return null;
  return new RowTemplate(relation, head, identityColumns(relation), typeNames, pk);
}

export class RelationCache {
  private readonly byKey = new Map<string, Entry>();
  /** The same entries by printedHead, for the fast path (RowTemplate). */
  private readonly byHead = new Map<string, Entry>();
  private last: RowTemplate | null = null;

  get(schema: string, table: string): Relation | undefined {
    return this.byKey.get(relationKey(schema, table))?.relation;
  }

  /**
   * The template of the relation whose printed head starts at `pos` of a row payload (just
   * after `"schema":"`), or null when there is none (not seen yet, escaped names, no "pk").
   */
  templateAt(text: string, pos: number): RowTemplate | null {
    const last = this.last;
    if (last !== null && holdsAt(text, pos, last.head)) return last;
    const schemaEnd = text.indexOf('"', pos);
    if (schemaEnd < 0 || !text.startsWith(TABLE_KEY, schemaEnd)) return null;
    const tableEnd = text.indexOf('"', schemaEnd + TABLE_KEY.length);
    if (tableEnd < 0) return null;
    const head = text.slice(pos, tableEnd + 1);
    const entry = this.byHead.get(head);
    if (entry === undefined) return null;
    if (entry.template === undefined) entry.template = buildTemplate(entry, head);
    if (entry.template !== null) this.last = entry.template;
    return entry.template;
  }

  private put(relation: Relation, typeNames: readonly (string | undefined)[], pkSig: string, pk: readonly W2jColumn[] | undefined): Relation {
    const entry: Entry = { relation, typeNames, pkSig, pk };
    this.byKey.set(relationKey(relation.schema, relation.table), entry);
    const head = printedHead(relation.schema, relation.table);
    if (head !== null) this.byHead.set(head, entry);
    this.last = null;
    return relation;
  }

  /**
   * The relation for a row that lists new values. `complete` is true for INSERT (all columns
   * present). Returns the cached object when nothing changed, else a new one (the caller emits
   * a RelationEvent for relations it has not emitted yet).
   */
  forNewRow(schema: string, table: string, cols: readonly W2jColumn[], pk: readonly W2jColumn[] | undefined, complete: boolean): Relation {
    const entry = this.byKey.get(relationKey(schema, table));
    const pkSig = pkSignature(pk);
    if (entry !== undefined && entry.pkSig === pkSig) {
      if (sameAsRow(entry, cols)) return entry.relation;
      if (!complete && coversOmittingToast(entry, cols)) return entry.relation;
    }
    const ri = entry?.relation.replicaIdentity ?? 'default';
    return this.put(makeRelation(schema, table, ri, columnsFrom(cols, pk)), cols.map((c) => c.type), pkSig, pk);
  }

  /** Relation for a row that only carries identity columns (DELETE), or none (TRUNCATE). */
  forIdentityOnly(schema: string, table: string, identity: readonly W2jColumn[], pk: readonly W2jColumn[] | undefined): Relation {
    const entry = this.byKey.get(relationKey(schema, table));
    if (entry !== undefined) {
      const names = new Set(entry.relation.columns.map((c) => c.name));
      if (identity.every((c) => names.has(c.name))) return entry.relation;
    }
    return this.put(makeRelation(schema, table, 'default', columnsFrom(identity, pk)), identity.map((c) => c.type), pkSignature(pk), pk);
  }

  /** Record the replica identity an UPDATE/DELETE revealed; a new object if it changed. */
  withReplicaIdentity(rel: Relation, ri: ReplicaIdentity): Relation {
    if (rel.replicaIdentity === ri) return rel;
    const entry = this.byKey.get(relationKey(rel.schema, rel.table));
    const next = makeRelation(rel.schema, rel.table, ri, rel.columns.map((c) => ({ ...c })));
    return this.put(next, entry?.typeNames ?? [], entry?.pkSig ?? '', entry?.pk);
  }
}

function sameAsRow(entry: Entry, cols: readonly W2jColumn[]): boolean {
  const rc = entry.relation.columns;
  if (rc.length !== cols.length) return false;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    if (c.name !== rc[i].name || (c.typeoid ?? 0) !== rc[i].typeOid || c.type !== entry.typeNames[i]) return false;
  }
  return true;
}

/** True when `cols` is the cached column list minus some varlena columns, same order and types. */
function coversOmittingToast(entry: Entry, cols: readonly W2jColumn[]): boolean {
  const rc = entry.relation.columns;
  let j = 0;
  for (let i = 0; i < rc.length; i++) {
    const r = cols[j];
    if (r !== undefined && r.name === rc[i].name) {
      if ((r.typeoid ?? 0) !== rc[i].typeOid || r.type !== entry.typeNames[i]) return false;
      j++;
    } else if (FIXED_WIDTH_OIDS.has(rc[i].typeOid)) {
      return false;
    }
  }
  return j === cols.length;
}

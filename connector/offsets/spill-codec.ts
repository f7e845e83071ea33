/**
 * The on-disk form of a streamed transaction's changes (spill.ts): decoded DataEvents, so the
 * relation each row was read against at arrival is kept even if later Relation messages change
 * the decoder's cache before the transaction commits.
 *
 * A spill is a sequence of records, each `UInt32 length (of the body) + body`; all integers
 * big-endian. Bodies start with a Byte1 kind:
 *   'R' relation:  UInt32 local id, UInt32 OID, String schema, String table, Byte1 identity
 *                  (d/n/f/i), UInt16 ncols, per column: String name, UInt32 type OID,
 *                  Int32 typmod, UInt8 isKey. Written before the first change that uses it.
 *   'I' insert:    UInt32 xid, UInt64 lsn, UInt32 relation id, Tuple after
 *   'U' update:    UInt32 xid, UInt64 lsn, UInt32 relation id, UInt8 flags (1 before present,
 *                  2 before is key-only), [Tuple before], Tuple after
 *   'D' delete:    UInt32 xid, UInt64 lsn, UInt32 relation id, UInt8 key-only, Tuple before
 *   'T' truncate:  UInt32 xid, UInt64 lsn, UInt8 flags (1 cascade, 2 restart identity),
 *                  UInt16 n, UInt32 relation id per relation
 *   'M' message:   UInt32 xid, UInt64 lsn, UInt8 transactional, String prefix, UInt32 n, Byte(n)
 * Tuple: UInt16 n, per value Byte1 'n' (null) | 'u' (unchanged TOAST) | 't' UInt32 n Byte(n) UTF-8.
 * Strings are NUL-terminated UTF-8 (identifiers never hold NUL; values are length-prefixed).
 */
import { ConnectorError } from '../errors';
import type { Column, DataEvent, Relation, ReplicaIdentity, TextValue, Tuple } from '../model/change';
import { UNCHANGED_TOAST } from '../model/change';
import type { Lsn } from '../protocol/lsn';
import { BufferReader } from '../protocol/reader';
import { BufferWriter } from '../protocol/writer';

const Kind = {
  Relation: 0x52, // 'R'
  Insert: 0x49, // 'I'
  Update: 0x55, // 'U'
  Delete: 0x44, // 'D'
  Truncate: 0x54, // 'T'
  Message: 0x4d, // 'M'
} as const;

const Value = {
  Null: 0x6e, // 'n'
  UnchangedToast: 0x75, // 'u'
  Text: 0x74, // 't'
} as const;

const IDENTITY_CHAR: Record<ReplicaIdentity, number> = { default: 0x64, nothing: 0x6e, full: 0x66, index: 0x69 };
const IDENTITY_OF = new Map<number, ReplicaIdentity>(Object.entries(IDENTITY_CHAR).map(([k, v]) => [v, k as ReplicaIdentity]));

/** Encodes events of one transaction; remembers which relations it already wrote. */
export class SpillEncoder {
  private readonly relationIds = new Map<Relation, number>();

  /** Appends the records for `ev` (its relations first, when new) to `w`; `xid` is the (sub)transaction. */
  encode(w: BufferWriter, ev: DataEvent, xid: number): void {
    switch (ev.kind) {
      case 'insert': {
        const rel = this.relation(w, ev.relation);
        this.record(w, () => { head(w, Kind.Insert, xid, ev.lsn); w.uint32(rel); tuple(w, ev.after); });
        return;
      }
      case 'update': {
        const rel = this.relation(w, ev.relation);
        this.record(w, () => {
          head(w, Kind.Update, xid, ev.lsn);
          w.uint32(rel).uint8((ev.before ? 1 : 0) | (ev.beforeIsKeyOnly ? 2 : 0));
          if (ev.before) tuple(w, ev.before);
          tuple(w, ev.after);
        });
        return;
      }
      case 'delete': {
        const rel = this.relation(w, ev.relation);
        this.record(w, () => { head(w, Kind.Delete, xid, ev.lsn); w.uint32(rel).uint8(ev.beforeIsKeyOnly ? 1 : 0); tuple(w, ev.before); });
        return;
      }
      case 'truncate': {
        const rels = ev.relations.map((r) => this.relation(w, r));
        this.record(w, () => {
          head(w, Kind.Truncate, xid, ev.lsn);
          w.uint8((ev.cascade ? 1 : 0) | (ev.restartIdentity ? 2 : 0)).int16(rels.length);
          for (const r of rels) w.uint32(r);
        });
        return;
      }
      case 'message':
        this.record(w, () => {
          head(w, Kind.Message, xid, ev.lsn);
          w.uint8(ev.transactional ? 1 : 0).cstring(ev.prefix).uint32(ev.content.length).bytes(ev.content);
        });
        return;
    }
  }

  private relation(w: BufferWriter, rel: Relation): number {
    const known = this.relationIds.get(rel);
    if (known !== undefined) return known;
    const id = this.relationIds.size;
    this.relationIds.set(rel, id);
    this.record(w, () => {
      w.uint8(Kind.Relation).uint32(id).uint32(rel.oid).cstring(rel.schema).cstring(rel.table)
        .uint8(IDENTITY_CHAR[rel.replicaIdentity]).int16(rel.columns.length);
      for (const c of rel.columns) w.cstring(c.name).uint32(c.typeOid).int32(c.typeMod).uint8(c.isKey ? 1 : 0);
    });
    return id;
  }

  /** Writes a length placeholder, the body, then patches the length in. */
  private record(w: BufferWriter, body: () => void): void {
    const at = w.length;
    w.uint32(0);
    body();
    w.patchUint32(at, w.length - at - 4);
  }
}

function head(w: BufferWriter, kind: number, xid: number, lsn: Lsn): void {
  w.uint8(kind).uint32(xid).uint64(lsn);
}

function tuple(w: BufferWriter, t: Tuple): void {
  w.int16(t.length);
  for (const v of t) {
    if (v === null) w.uint8(Value.Null);
    else if (v === UNCHANGED_TOAST) w.uint8(Value.UnchangedToast);
    else w.uint8(Value.Text).utf8WithLength(v);
  }
}

/** A decoded record: a change with the (sub)transaction it belongs to. Relation records are absorbed. */
export interface SpilledChange {
  readonly xid: number;
  readonly event: DataEvent;
}

/** Decodes the records of one spill in order; keeps the relation table between calls. */
export class SpillDecoder {
  private readonly relations = new Map<number, Relation>();

  /**
   * Decodes every whole record in `buf` into `out`; returns the offset of the first byte not
   * consumed (the start of a record that continues in the next chunk).
   */
  decodeAll(buf: Buffer, out: SpilledChange[], maxChanges = Infinity): number {
    let pos = 0;
    const stop = out.length + maxChanges;
    while (buf.length - pos >= 4 && out.length < stop) {
      const n = buf.readUInt32BE(pos);
      if (buf.length - pos - 4 < n) break;
      const change = this.decodeRecord(new BufferReader(buf, pos + 4, pos + 4 + n));
      if (change) out.push(change);
      pos += 4 + n;
    }
    return pos;
  }

  private decodeRecord(r: BufferReader): SpilledChange | null {
    const kind = r.uint8();
    if (kind === Kind.Relation) {
      this.readRelation(r);
      return null;
    }
    const xid = r.uint32();
    const lsn = r.uint64() as Lsn;
    switch (kind) {
      case Kind.Insert: {
        const relation = this.rel(r.uint32());
        return { xid, event: { kind: 'insert', lsn, relation, after: readTuple(r) } };
      }
      case Kind.Update: {
        const relation = this.rel(r.uint32());
        const flags = r.uint8();
        const before = (flags & 1) !== 0 ? readTuple(r) : null;
        return { xid, event: { kind: 'update', lsn, relation, before, beforeIsKeyOnly: (flags & 2) !== 0, after: readTuple(r) } };
      }
      case Kind.Delete: {
        const relation = this.rel(r.uint32());
        const keyOnly = r.uint8() === 1;
        return { xid, event: { kind: 'delete', lsn, relation, before: readTuple(r), beforeIsKeyOnly: keyOnly } };
      }
      case Kind.Truncate: {
        const flags = r.uint8();
        const n = r.uint16();
        const relations: Relation[] = [];
        for (let i = 0; i < n; i++) relations.push(this.rel(r.uint32()));
        return { xid, event: { kind: 'truncate', lsn, relations, cascade: (flags & 1) !== 0, restartIdentity: (flags & 2) !== 0 } };
      }
      case Kind.Message: {
        const transactional = r.uint8() === 1;
        const prefix = r.cstring();
        const content = Buffer.from(r.bytes(r.uint32()));
        return { xid, event: { kind: 'message', lsn, transactional, prefix, content } };
      }
      default:
        throw new ConnectorError('STATE', `spill file holds an unknown record kind 0x${kind.toString(16)}`);
    }
  }

  private readRelation(r: BufferReader): void {
    const id = r.uint32();
    const oid = r.uint32();
    const schema = r.cstring();
    const table = r.cstring();
    const identChar = r.uint8();
    const replicaIdentity = IDENTITY_OF.get(identChar);
    if (replicaIdentity === undefined) throw new ConnectorError('STATE', `spill file relation ${oid} has identity 0x${identChar.toString(16)}`);
    const n = r.uint16();
    const columns: Column[] = [];
    for (let i = 0; i < n; i++) {
      columns.push(Object.freeze({ name: r.cstring(), typeOid: r.uint32(), typeMod: r.int32(), isKey: r.uint8() === 1 }));
    }
    this.relations.set(id, Object.freeze({ oid, schema, table, replicaIdentity, columns: Object.freeze(columns) }));
  }

  private rel(id: number): Relation {
    const rel = this.relations.get(id);
    if (!rel) throw new ConnectorError('STATE', `spill file refers to relation ${id} before defining it`);
    return rel;
  }
}

function readTuple(r: BufferReader): Tuple {
  const n = r.uint16();
  const values = new Array<TextValue>(n);
  for (let i = 0; i < n; i++) {
    const k = r.uint8();
    if (k === Value.Null) values[i] = null;
    else if (k === Value.UnchangedToast) values[i] = UNCHANGED_TOAST;
    else if (k === Value.Text) values[i] = r.utf8(r.uint32());
    else throw new ConnectorError('STATE', `spill file holds an unknown value kind 0x${k.toString(16)}`);
  }
  return values;
}

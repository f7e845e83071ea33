/**
 * The fast path for wal2json row payloads: the exact text wal2json prints around a known
 * relation's values, and a reader that checks that text in place and slices only the values.
 *
 * Why: JSON.parse of a row builds a root object, one object per column (name, type, typeoid,
 * value) and the "pk" list, and re-reads every name and type the relation already holds. On the
 * bench table (5 columns) that was a quarter of the wal2json process's CPU.
 *
 * Soundness: a template is built from the names, types and OIDs the general path parsed, printed
 * back with JSON.stringify. Text that equals JSON.stringify(x) can only parse to x, so when every
 * piece matches, the row lists exactly the columns (same order, types, OIDs) and the same "pk" as
 * the cached relation, which is when the general path (RelationCache.forNewRow) returns that same
 * relation. Anything else (a changed or omitted column, a replica identity transition, a name or
 * value that wal2json escaped) makes `read*` return -1 and the caller parses the payload in full.
 * The caller only uses templates on payloads with no backslash at all: then every `"` delimits a
 * string, so a string value ends at the next `"`.
 */
import type { Relation, TextValue } from '../../model/change';
import type { W2jColumn } from './payload';

const BYTEA_OID = 17;
const QUOTE = 0x22;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const CLOSE_BRACE = 0x7d;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Characters of a JSON number wal2json prints (payload.ts NUMBER_VALUE keeps the same set). */
function isNumberChar(c: number): boolean {
  return isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;
}

/**
 * True when `text` holds `s` at `pos`: text.startsWith(s, pos), for the long pieces a template
 * prints. A slice compared with === is one memory comparison; startsWith with a position walks
 * the characters one by one (Node 24: 60 against 390 ns for a 77-character column prefix; the
 * wal2json bench row's five prefixes and "pk" tail were most of its decoding time).
 */
export function holdsAt(text: string, pos: number, s: string): boolean {
  return text.slice(pos, pos + s.length) === s;
}

/** Which columns an UPDATE/DELETE "identity" lists for this relation, or null when not known. */
export type IdentityColumns = readonly number[] | null;

export class RowTemplate {
  /** `{"name":"id","type":"bigint","typeoid":20,"value":` per column. */
  private readonly first: readonly string[];
  /** The same with the previous entry's `},` before it. */
  private readonly next: readonly string[];
  private readonly bytea: readonly boolean[];
  /** `}],"pk":[{"name":"id","type":"bigint","typeoid":20}]}`: everything after the last value. */
  private readonly pkTail: string;

  /**
   * @param head `schema","table":"table"` as printed (the lookup key of RelationCache)
   * @param identity positions "identity" lists (key columns, or all for FULL); null: U/D not templated
   */
  constructor(readonly relation: Relation, readonly head: string, readonly identity: IdentityColumns,
    typeNames: readonly (string | undefined)[], pk: readonly W2jColumn[]) {
    this.first = relation.columns.map((c, i) => `{"name":${JSON.stringify(c.name)},"type":${JSON.stringify(typeNames[i])},"typeoid":${c.typeOid},"value":`);
    this.next = this.first.map((p) => '},' + p);
    this.bytea = relation.columns.map((c) => c.typeOid === BYTEA_OID);
    this.pkTail = `}],"pk":[${pk.map((c) => `{"name":${JSON.stringify(c.name)},"type":${JSON.stringify(c.type)},"typeoid":${c.typeoid}}`).join(',')}]}`;
  }

  /**
   * Reads the values of every column, in order, from `pos` (just after `[`) into `out`.
   * Returns the position after the last value (at its closing `}`), or -1 when the text differs.
   */
  readAll(text: string, pos: number, out: TextValue[]): number {
    for (let i = 0; i < this.first.length; i++) {
      pos = this.readValue(text, pos, i === 0 ? this.first[0] : this.next[i], i, out);
      if (pos < 0) return -1;
    }
    return pos;
  }

  /** Reads the "identity" list's values into `out` at their column positions (others untouched). */
  readIdentity(text: string, pos: number, out: TextValue[]): number {
    const idx = this.identity;
    if (idx === null) return -1;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      pos = this.readValue(text, pos, k === 0 ? this.first[i] : this.next[i], i, out);
      if (pos < 0) return -1;
    }
    return pos;
  }

  /** True when the rest of the payload from `pos` is exactly the "pk" list and the closing brace. */
  endsWithPk(text: string, pos: number): boolean {
    return text.length === pos + this.pkTail.length && holdsAt(text, pos, this.pkTail);
  }

  private readValue(text: string, pos: number, prefix: string, i: number, out: TextValue[]): number {
    if (!holdsAt(text, pos, prefix)) return -1;
    pos += prefix.length;
    const c = text.charCodeAt(pos);
    let end: number;
    let value: TextValue;
    if (c === QUOTE) {
      const close = text.indexOf('"', pos + 1);
      if (close < 0) return -1;
      value = text.slice(pos + 1, close);
      if (this.bytea[i]) value = '\\x' + value;
      end = close + 1;
    } else if (isDigit(c) || (c === MINUS && isDigit(text.charCodeAt(pos + 1)))) {
      end = pos + 1;
      while (isNumberChar(text.charCodeAt(end))) end++;
      value = text.slice(pos, end);
    } else if (text.startsWith('null', pos)) {
      value = null; end = pos + 4;
    } else if (text.startsWith('true', pos)) {
      value = 't'; end = pos + 4;
    } else if (text.startsWith('false', pos)) {
      value = 'f'; end = pos + 5;
    } else {
      return -1;
    }
    if (text.charCodeAt(end) !== CLOSE_BRACE) return -1;
    out[i] = value;
    return end;
  }
}

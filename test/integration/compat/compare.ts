/**
 * Record-by-record comparison of walcast's output with Debezium's.
 *
 * Values are parsed losslessly: every JSON number is kept as its source text (`3` and `3.0`
 * differ, int8 extremes keep every digit). Each object's member order is compared too (one
 * "order" value per object). Snapshot records are paired by topic and key (the two read in
 * their own order); change records are paired in order per topic (both read the same WAL).
 *
 * Fields that may differ (not compared, not counted): the clocks (ts_ms/ts_us/ts_ns of the
 * envelope and of source) and source.version; for snapshot records also the snapshot's
 * position (source.lsn, source.sequence, source.txId: the two take their own snapshots at
 * their own times) and, of source.snapshot, whether a table's first/last row is also the whole
 * snapshot's (that depends on the order tables are read). For change records lsn, sequence
 * and txId ARE compared: both decode the same WAL, so they must be equal.
 */

export interface PeerOutput {
  readonly topic: string;
  readonly key: unknown;
  readonly value: unknown;
  readonly headers: Readonly<Record<string, unknown>>;
  /** The record as one JSON line `{"topic","key","value",...}` with key and value as serialized. */
  readonly raw: string;
}

export interface Difference {
  /** `<topic> <key> <op>`: which record. */
  readonly record: string;
  /** e.g. `value.after.f_float8`, `value.source:order`, `record` (missing on one side). */
  readonly path: string;
  readonly walcast: string;
  readonly debezium: string;
}

export interface Comparison {
  readonly matched: number;
  readonly differences: Difference[];
}

/** A number's source text, tagged so it never equals a string. */
class Num {
  constructor(readonly text: string) {}
}

/** JSON.parse keeping each number's source text (Node >= 21: the reviver's `context.source`). */
export function parseLossless(text: string): unknown {
  const reviver = (_key: string, value: unknown, context?: { source?: string }): unknown =>
    typeof value === 'number' ? new Num(context?.source ?? String(value)) : value;
  return JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown);
}

const CLOCK = new Set(['ts_ms', 'ts_us', 'ts_ns']);

function ignored(path: string, snapshot: boolean): boolean {
  const parts = path.split('.');
  const last = parts[parts.length - 1]!;
  if (path === 'value.source.version') return true;
  if ((parts.length === 2 || path.startsWith('value.source.')) && parts[0] === 'value' && CLOCK.has(last)) return true;
  if (snapshot && ['value.source.lsn', 'value.source.sequence', 'value.source.txId'].includes(path)) return true;
  return false;
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  if (v instanceof Num) return v.text;
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Num ? `#${x.text}` : x));
}

interface Prepared {
  readonly topic: string;
  readonly key: unknown;
  readonly value: unknown;
  /** With schemas on (`{schema, payload}`): the schemas; key and value above are the payloads. */
  readonly keySchema: unknown;
  readonly valueSchema: unknown;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly snapshot: boolean;
  readonly label: string;
}

/** JsonConverter's `{schema, payload}` (schemas on) split in two; anything else is a payload without schema. */
export function splitSchema(v: unknown): [payload: unknown, schema: unknown] {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Num)) {
    const keys = Object.keys(v);
    if (keys.length === 2 && keys[0] === 'schema' && keys[1] === 'payload') {
      const o = v as { schema: unknown; payload: unknown };
      return [o.payload, o.schema];
    }
  }
  return [v, undefined];
}

function prepare(r: PeerOutput): Prepared {
  const line = parseLossless(r.raw) as { key: unknown; value: unknown };
  const [key, keySchema] = splitSchema(line.key);
  const [value, valueSchema] = splitSchema(line.value);
  const op = value === null ? 'tombstone' : String((value as { op?: unknown }).op);
  return {
    topic: r.topic,
    key,
    value,
    keySchema,
    valueSchema,
    headers: r.headers,
    snapshot: op === 'r',
    label: `${r.topic} ${JSON.stringify(splitSchema(r.key)[0])} ${op}`,
  };
}

class Differ {
  matched = 0;
  readonly differences: Difference[] = [];

  constructor(private readonly record: string, private readonly snapshot: boolean) {}

  walk(path: string, w: unknown, d: unknown): void {
    if (ignored(path, this.snapshot)) return;
    const wObj = typeof w === 'object' && w !== null && !(w instanceof Num) && !Array.isArray(w);
    const dObj = typeof d === 'object' && d !== null && !(d instanceof Num) && !Array.isArray(d);
    if (wObj && dObj) {
      const wo = w as Record<string, unknown>;
      const dob = d as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(dob), ...Object.keys(wo)])];
      for (const k of keys) this.walk(`${path}.${k}`, wo[k], dob[k]);
      // Member order (of the members both have).
      const common = (o: Record<string, unknown>, other: Record<string, unknown>) => Object.keys(o).filter((k) => k in other);
      const wOrder = common(wo, dob).join(',');
      const dOrder = common(dob, wo).join(',');
      this.count(`${path}:order`, wOrder === dOrder, wOrder, dOrder);
      return;
    }
    if (Array.isArray(w) && Array.isArray(d) && w.length === d.length) {
      w.forEach((x, i) => this.walk(`${path}[${i}]`, x, d[i]));
      return;
    }
    if (path === 'value.source.snapshot') {
      // Which record is the whole snapshot's first/last depends on the order tables are read
      // (Debezium: table.include.list order; walcast: largest first, in parallel): a position.
      // A whole-snapshot marker also hides the table one ('first' on a one-row table that is
      // also its last): then only "an edge of its table" is compared.
      const whole = (v: unknown) => v === 'first' || v === 'last';
      const edge = (v: unknown) => typeof v === 'string' && v !== 'true' && v !== 'false';
      const same = whole(w) || whole(d) ? edge(w) && edge(d) : show(w) === show(d);
      this.count(path, same, show(w), show(d));
      return;
    }
    this.count(path, show(w) === show(d), show(w), show(d));
  }

  count(path: string, same: boolean, w: string, d: string): void {
    if (same) this.matched++;
    else this.differences.push({ record: this.record, path, walcast: w, debezium: d });
  }
}

/** Pairs records: snapshot reads by topic+key, the rest in order within each topic. */
function pairs(ws: Prepared[], ds: Prepared[]): Array<[Prepared | undefined, Prepared | undefined]> {
  const out: Array<[Prepared | undefined, Prepared | undefined]> = [];
  const snapKey = (p: Prepared) => `${p.topic} ${show(p.key)}`;
  const wSnap = new Map(ws.filter((p) => p.snapshot).map((p) => [snapKey(p), p]));
  for (const d of ds.filter((p) => p.snapshot)) {
    out.push([wSnap.get(snapKey(d)), d]);
    wSnap.delete(snapKey(d));
  }
  for (const w of wSnap.values()) out.push([w, undefined]);
  const topics = [...new Set([...ws, ...ds].filter((p) => !p.snapshot).map((p) => p.topic))];
  for (const t of topics) {
    const wt = ws.filter((p) => !p.snapshot && p.topic === t);
    const dt = ds.filter((p) => !p.snapshot && p.topic === t);
    for (let i = 0; i < Math.max(wt.length, dt.length); i++) out.push([wt[i], dt[i]]);
  }
  return out;
}

export function compareOutputs(walcast: readonly PeerOutput[], debezium: readonly PeerOutput[]): Comparison {
  let matched = 0;
  const differences: Difference[] = [];
  for (const [w, d] of pairs(walcast.map(prepare), debezium.map(prepare))) {
    if (w === undefined || d === undefined) {
      differences.push({ record: (w ?? d)!.label, path: 'record', walcast: w ? 'present' : '(absent)', debezium: d ? 'present' : '(absent)' });
      continue;
    }
    const differ = new Differ(d.label, d.snapshot);
    differ.walk('key', w.key, d.key);
    differ.walk('value', w.value, d.value);
    if (w.keySchema !== undefined || d.keySchema !== undefined) differ.walk('keySchema', w.keySchema, d.keySchema);
    if (w.valueSchema !== undefined || d.valueSchema !== undefined) differ.walk('valueSchema', w.valueSchema, d.valueSchema);
    differ.walk('headers', keyHeaders(w.headers, true), keyHeaders(d.headers, false));
    matched += differ.matched;
    differences.push(...differ.differences);
  }
  return { matched, differences };
}

/**
 * The key-change headers of a primary-key update. walcast's header value is the key's JSON
 * text; Debezium's is the key struct, which the runner printed as JSON.
 */
function keyHeaders(h: Readonly<Record<string, unknown>>, jsonText: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['__debezium.oldkey', '__debezium.newkey']) {
    const v = h[k];
    if (v === undefined) continue;
    out[k] = parseLossless(jsonText && typeof v === 'string' ? v : JSON.stringify(v));
  }
  return out;
}

/** One line per difference, for a failure message or a report. */
export function formatDifferences(diffs: readonly Difference[]): string {
  return diffs.map((d) => `${d.record} ${d.path}: walcast ${d.walcast} | debezium ${d.debezium}`).join('\n');
}

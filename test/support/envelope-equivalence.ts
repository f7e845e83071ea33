/**
 * Runs the same rows through the generic EnvelopeBuilder and the FastEnvelopeBuilder and expects
 * byte-identical records (key, value, topic, id, headers) — or the same error where the generic
 * path refuses a value. Used by the unit test (hand-written text forms) and the torture test
 * (text forms PostgreSQL printed for the comparison suite's type-torture rows).
 */
import type { EnvelopeOptions } from '../../connector/envelope/options';
import { UNCHANGED_TOAST, type DataEvent, type Relation, type TextValue } from '../../connector/model/change';
import { EnvelopeBuilder, type EnvelopeContext, type SnapshotMarker, type TxContext } from '../../connector/envelope/builder';
import { FastEnvelopeBuilder } from '../../connector/envelope/fast';
import { lsn, parseLsn } from '../../connector/protocol/lsn';
import type { SinkRecord } from '../../connector/model/record';

export const DEFAULT_ENVELOPE: EnvelopeOptions = {
  tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric',
  skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [],
  columnTruncate: [], columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [],
};

const TXS: readonly TxContext[] = [
  { xid: 771, commitLsn: parseLsn('0/16E8A58'), commitTimeUs: 1700000000000001n, lastCommitLsn: lsn(24000000) },
  { xid: 4294967295, commitLsn: parseLsn('1/0'), commitTimeUs: 1700000000999999n, lastCommitLsn: null },
  // Times below 1 ms and the epoch itself: the fast path's decimal shortcut does not apply.
  { xid: 1, commitLsn: parseLsn('1/10'), commitTimeUs: 999n, lastCommitLsn: parseLsn('1/0') },
  { xid: 2, commitLsn: parseLsn('1/20'), commitTimeUs: 0n, lastCommitLsn: parseLsn('1/10') },
];
const NOW = 1700000000123456n;
const MARKERS: readonly SnapshotMarker[] = ['first', 'true', 'last', 'first_in_data_collection', 'last_in_data_collection'];

/** Every field as bytes/text, so toEqual compares the bytes. */
function bytes(records: readonly SinkRecord[]): unknown[] {
  return records.map((r) => ({
    topic: r.topic, id: r.id, headers: r.headers, key: r.key?.toString('hex') ?? null, value: r.value?.toString('hex') ?? null,
  }));
}

/** The records as bytes, or the error: a value the generic path refuses, the fast path must refuse alike. */
function outcome(make: () => readonly SinkRecord[]): unknown {
  try {
    return bytes(make());
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The fast-path events of a row, and generic-path ones (TOAST placeholder, old rows, delete). */
function events(rel: Relation, row: readonly TextValue[], i: number): DataEvent[] {
  const at = lsn(24023128 + i);
  const toastAt = rel.columns.findIndex((c) => !c.isKey);
  return [
    { kind: 'insert', lsn: at, relation: rel, after: row },
    { kind: 'update', lsn: at, relation: rel, before: null, beforeIsKeyOnly: false, after: row },
    { kind: 'update', lsn: at, relation: rel, before: null, beforeIsKeyOnly: false, after: row.map((v, c) => (c === toastAt ? UNCHANGED_TOAST : v)) },
    { kind: 'update', lsn: at, relation: rel, before: row, beforeIsKeyOnly: false, after: row },
    { kind: 'delete', lsn: at, relation: rel, before: row, beforeIsKeyOnly: false },
  ];
}

/**
 * Compares both builders over `rows` of each relation (inserts, updates, deletes in two
 * transactions, snapshot reads with every marker); returns how many comparisons had records on
 * both sides (not only the same error).
 */
export function expectSameRecords(ctx: Omit<EnvelopeContext, 'options'>, options: Partial<EnvelopeOptions>, relations: readonly Relation[], rows: readonly (readonly TextValue[])[]): number {
  const context: EnvelopeContext = { ...ctx, options: { ...DEFAULT_ENVELOPE, ...options } };
  const generic = new EnvelopeBuilder(context);
  const fast = new FastEnvelopeBuilder(context);
  let index = 0;
  let converted = 0;
  for (const rel of relations) {
    rows.forEach((row, i) => {
      for (const tx of TXS) {
        for (const ev of events(rel, row, i)) {
          const nowUs = i % 4 === 3 ? BigInt(i) : NOW + BigInt(i % 3) * 1000n;
          const want = outcome(() => generic.records(ev, tx, index, nowUs));
          expect(outcome(() => fast.records(ev, tx, index, nowUs))).toEqual(want);
          if (Array.isArray(want)) { index += want.length; converted++; }
        }
      }
      const marker = MARKERS[i % MARKERS.length]!;
      for (const txId of [null, 123]) {
        const want = outcome(() => [generic.snapshotRecord(rel, row, marker, lsn(99999), `snap:${i}`, NOW + BigInt(i), txId)]);
        expect(outcome(() => [fast.snapshotRecord(rel, row, marker, lsn(99999), `snap:${i}`, NOW + BigInt(i), txId)])).toEqual(want);
        if (Array.isArray(want)) converted++;
      }
    });
  }
  return converted;
}

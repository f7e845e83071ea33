import { IS_CONTROL, IS_TRANSACTIONAL, type RecordsBatch } from '@platformatic/kafka';
import { committedRecords, newReadStats } from '../../../../connector/sink/kafka/committed-reader';

// Batches as the broker returns them: data batches of a producer, and control batches whose
// single record's key is version (int16) + type (int16: 0 abort, 1 commit).
function batch(firstOffset: number, producerId: number, values: string[], transactional = true): RecordsBatch {
  return {
    firstOffset: BigInt(firstOffset), length: 0, partitionLeaderEpoch: 0, magic: 2, crc: 0,
    attributes: transactional ? IS_TRANSACTIONAL : 0, lastOffsetDelta: values.length - 1,
    firstTimestamp: 0n, maxTimestamp: 0n, producerId: BigInt(producerId), producerEpoch: 0, firstSequence: 0,
    records: values.map((v, i) => ({ length: 0, attributes: 0, timestampDelta: 0n, offsetDelta: i, key: Buffer.from('k'), value: Buffer.from(v), headers: [] })),
  };
}
function marker(offset: number, producerId: number, commit: boolean): RecordsBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(commit ? 1 : 0, 2);
  return {
    ...batch(offset, producerId, ['']), attributes: IS_CONTROL | IS_TRANSACTIONAL,
    records: [{ length: 0, attributes: 0, timestampDelta: 0n, offsetDelta: 0, key, value: Buffer.alloc(6), headers: [] }],
  };
}
const values = (batches: RecordsBatch[], aborted: { producerId: bigint; firstOffset: bigint }[]): string[] =>
  committedRecords(batches, aborted).map((r) => r.value!.toString());

test('two aborted transactions of one producer in one response are both dropped (the library keeps the first)', () => {
  const batches = [
    batch(0, 7, ['a1', 'a2']), marker(2, 7, false), // aborted
    batch(3, 7, ['c1']), marker(4, 7, true), // committed
    batch(5, 7, ['b1']), marker(6, 7, false), // aborted
    batch(7, 7, ['c2']), marker(8, 7, true),
  ];
  expect(values(batches, [{ producerId: 7n, firstOffset: 0n }, { producerId: 7n, firstOffset: 5n }])).toEqual(['c1', 'c2']);
});

test('an abort marker without a listed transaction of its own keeps the committed transactions before it (the library drops them)', () => {
  // A transaction that added the partition and wrote nothing there leaves only its abort marker.
  const batches = [
    batch(0, 7, ['a1']), marker(1, 7, false), // aborted, listed
    batch(2, 7, ['c1', 'c2']), marker(4, 7, true),
    batch(5, 7, ['c3']), marker(6, 7, true),
    marker(7, 7, false), // aborted, nothing written here: not listed
  ];
  expect(values(batches, [{ producerId: 7n, firstOffset: 0n }])).toEqual(['c1', 'c2', 'c3']);
});

test('an aborted transaction whose marker lies beyond the response is dropped; other producers and non-transactional records pass', () => {
  const batches = [
    batch(0, 1, ['x'], false),
    batch(1, 7, ['a1']),
    batch(2, 8, ['other']), marker(3, 8, true),
    batch(4, 7, ['a2']),
  ];
  expect(values(batches, [{ producerId: 7n, firstOffset: 1n }])).toEqual(['x', 'other']);
});

test('records of committed transactions keep their offsets; control batches are not records', () => {
  const out = committedRecords([batch(10, 3, ['a', 'b']), marker(12, 3, true), batch(13, 3, ['c'])], []);
  expect(out.map((r) => [r.offset, r.value!.toString()])).toEqual([[10n, 'a'], [11n, 'b'], [13n, 'c']]);
});

test('counts the records it drops as aborted (the exactly-once start logs it)', () => {
  const stats = newReadStats();
  const batches = [batch(0, 7, ['a1', 'a2']), marker(2, 7, false), batch(3, 7, ['c1']), marker(4, 7, true), batch(5, 8, ['o'])];
  expect(committedRecords(batches, [{ producerId: 7n, firstOffset: 0n }], stats).map((r) => r.value!.toString())).toEqual(['c1', 'o']);
  expect(stats.droppedAsAborted).toBe(2);
});

import { ConnectorError } from '../../../connector/errors';
import type { Sink } from '../../../connector/sink/port';
import type { SinkRecord } from '../../../connector/model/record';
import { SnapshotPublisher } from '../../../connector/snapshot/publisher';

/** A sink whose publishes stay pending until the test acks or fails them. */
function manualSink(): Sink & { calls: Array<{ records: readonly SinkRecord[]; ack: () => void; fail: (e: Error) => void }> } {
  const calls: Array<{ records: readonly SinkRecord[]; ack: () => void; fail: (e: Error) => void }> = [];
  return {
    type: 'stdout', calls,
    start: async () => undefined, ensureTopics: async () => undefined, stop: async () => undefined,
    publish: (records) => new Promise<void>((ack, fail) => { calls.push({ records, ack, fail }); }),
  };
}

const rec = (i: number): SinkRecord => ({ topic: 't', key: null, value: null, id: `r${i}` });
const flushMicrotasks = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SnapshotPublisher', () => {
  it('publishes in batches and bounds unacknowledged records', async () => {
    const sink = manualSink();
    const pub = new SnapshotPublisher(sink, { batchRecords: 2, maxInFlightRecords: 4, onError: () => undefined });
    for (let i = 0; i < 4; i++) pub.push(rec(i));
    expect(sink.calls.map((c) => c.records.map((r) => r.id))).toEqual([['r0', 'r1'], ['r2', 'r3']]);
    expect(pub.full).toBe(true);
    let roomed = false;
    const room = pub.waitForRoom().then(() => { roomed = true; });
    await flushMicrotasks();
    expect(roomed).toBe(false);
    sink.calls[0]!.ack();
    await room;
    expect(pub.unacked).toBe(2);
    expect(pub.acked).toBe(2);
  });

  it('flushes a partial batch when waiting, so a bound below the batch size cannot stall', async () => {
    const sink = manualSink();
    const pub = new SnapshotPublisher(sink, { batchRecords: 500, maxInFlightRecords: 3, onError: () => undefined });
    for (let i = 0; i < 3; i++) pub.push(rec(i));
    const room = pub.waitForRoom();
    expect(sink.calls).toHaveLength(1);
    sink.calls[0]!.ack();
    await room;
    pub.push(rec(3));
    const done = pub.flush();
    await flushMicrotasks();
    sink.calls[1]!.ack();
    await done;
    expect(pub.acked).toBe(4);
  });

  it('latches the first failure, reports it once and rejects waiters and later pushes', async () => {
    const sink = manualSink();
    const errors: ConnectorError[] = [];
    const pub = new SnapshotPublisher(sink, { batchRecords: 1, maxInFlightRecords: 2, onError: (e) => errors.push(e) });
    pub.push(rec(0));
    pub.push(rec(1));
    const room = pub.waitForRoom();
    const sinkError = new ConnectorError('SINK_SEND', 'broker down');
    sink.calls[0]!.fail(sinkError);
    sink.calls[1]!.fail(new Error('second'));
    await expect(room).rejects.toBe(sinkError);
    await flushMicrotasks();
    expect(errors).toEqual([sinkError]);
    expect(() => pub.push(rec(2))).toThrow(sinkError);
    await expect(pub.flush()).rejects.toBe(sinkError);
  });
});

import { ConnectorError } from '../../../connector/errors';
import type { SinkCheckpoint, SinkRecord } from '../../../connector/model/record';
import { Dispatcher, type DispatcherOptions } from '../../../connector/sink/dispatcher';
import type { Sink } from '../../../connector/sink/port';

interface Call { records: readonly SinkRecord[]; checkpoint?: SinkCheckpoint; ack: () => void; fail: (e: Error) => void }

/** A sink whose publishes stay pending until the test acks or fails them. */
function manualSink(): Sink & { calls: Call[]; ensured: string[][]; ensure: Array<{ ok: () => void; fail: (e: Error) => void }> } {
  const calls: Call[] = [];
  const ensured: string[][] = [];
  const ensure: Array<{ ok: () => void; fail: (e: Error) => void }> = [];
  return {
    type: 'stdout', calls, ensured, ensure,
    start: async () => undefined, stop: async () => undefined,
    ensureTopics: (topics) => new Promise<void>((ok, fail) => { ensured.push([...topics]); ensure.push({ ok, fail }); }),
    publish: (records, checkpoint) => new Promise<void>((ack, fail) => { calls.push({ records, checkpoint, ack, fail }); }),
  };
}

const rec = (i: number, topic = 't'): SinkRecord => ({ topic, key: null, value: null, id: `r${i}` });
const ids = (c: Call): string[] => c.records.map((r) => r.id);
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function dispatcher<M = undefined>(sink: Sink, over: Partial<DispatcherOptions<M>> = {}): Dispatcher<M> {
  return new Dispatcher<M>({
    sink, batchRecords: 2, maxUnacked: 4, onError: () => undefined,
    failure: { code: 'SINK_SEND', message: 'publish failed' }, ...over,
  });
}

describe('Dispatcher', () => {
  it('publishes full batches, bounds unacknowledged records and reports acked ranges with their mark', async () => {
    const sink = manualSink();
    const acked: Array<[number, number, string]> = [];
    const d = dispatcher<string>(sink, { onAcked: (first, count, mark) => acked.push([first, count, mark]) });
    d.push([rec(0)], 'a');
    d.push([rec(1)], 'b');
    d.push([rec(2), rec(3)], 'c');
    expect(sink.calls.map(ids)).toEqual([['r0', 'r1'], ['r2', 'r3']]);
    expect(d.full).toBe(true);
    let roomed: boolean | null = null;
    const room = d.waitForRoom().then((r) => { roomed = r; });
    await turn();
    expect(roomed).toBeNull();
    sink.calls[1]!.ack();
    await room;
    expect(roomed).toBe(true);
    expect(acked).toEqual([[2, 2, 'c']]);
    sink.calls[0]!.ack();
    await turn();
    expect(acked).toEqual([[2, 2, 'c'], [0, 2, 'b']]);
    expect(d.acked).toBe(4);
    expect(d.unacked).toBe(0);
  });

  it('publishes a partial batch when waiting for room, so a bound below the batch size cannot stall', async () => {
    const sink = manualSink();
    const d = dispatcher(sink, { batchRecords: 500, maxUnacked: 3 });
    for (let i = 0; i < 3; i++) d.pushOne(rec(i), undefined);
    expect(sink.calls.map(ids)).toEqual([['r0', 'r1', 'r2']]);
    d.pushOne(rec(3), undefined);
    const room = d.waitForRoom();
    expect(sink.calls.map(ids)).toEqual([['r0', 'r1', 'r2'], ['r3']]);
    sink.calls[0]!.ack();
    await expect(room).resolves.toBe(true);
    const settled = d.settle();
    sink.calls[1]!.ack();
    await settled;
    expect(d.acked).toBe(4);
  });

  it('numbers records with the given reserve, across batches and held records', async () => {
    const sink = manualSink();
    let next = 100;
    const acked: Array<[number, number]> = [];
    const d = dispatcher(sink, {
      batchRecords: 10, reserve: (n) => { const f = next; next += n; return f; }, onAcked: (f, n) => acked.push([f, n]), holdLast: () => true,
    });
    d.push([rec(0), rec(1), rec(2)], undefined);
    d.flush();
    expect(sink.calls.map(ids)).toEqual([['r0', 'r1']]);
    expect(d.buffered).toBe(1);
    d.push([rec(3)], undefined);
    d.flush({ lsn: { commitLsn: 7n as never, endLsn: 8n as never } });
    expect(sink.calls.map(ids)).toEqual([['r0', 'r1'], ['r2', 'r3']]);
    expect(sink.calls[1]!.checkpoint?.lsn?.endLsn).toBe(8n);
    sink.calls[0]!.ack();
    sink.calls[1]!.ack();
    await turn();
    expect(acked).toEqual([[100, 2], [102, 2]]);
  });

  it('holds back a lone last record instead of publishing an empty call', () => {
    const sink = manualSink();
    const d = dispatcher(sink, { batchRecords: 10, holdLast: () => true });
    d.push([rec(0)], undefined);
    d.flush();
    expect(sink.calls).toHaveLength(0);
    expect(d.buffered).toBe(1);
  });

  it('publishes a unit as one call after what is buffered, however large', () => {
    const sink = manualSink();
    const d = dispatcher(sink, { batchRecords: 2, maxUnacked: 2 });
    d.push([rec(0)], undefined);
    d.pushUnit([rec(1), rec(2), rec(3)], { snapshot: { chunk: 1 } }, undefined);
    expect(sink.calls.map(ids)).toEqual([['r0'], ['r1', 'r2', 'r3']]);
    expect(sink.calls[1]!.checkpoint).toEqual({ snapshot: { chunk: 1 } });
  });

  it('publishes to a new topic only after ensureTopics, keeping later calls in order behind it', async () => {
    const sink = manualSink();
    const known = new Set(['t']);
    const d = dispatcher(sink, { batchRecords: 1, maxUnacked: 10, knownTopics: known });
    d.push([rec(0, 'new')], undefined);
    d.push([rec(1, 't')], undefined);
    await turn();
    expect(sink.ensured).toEqual([['new']]);
    expect(sink.calls).toHaveLength(0);
    sink.ensure[0]!.ok();
    await turn();
    expect(sink.calls.map(ids)).toEqual([['r0'], ['r1']]);
    d.push([rec(2, 'new')], undefined);
    expect(sink.ensured).toHaveLength(1);
  });

  it('forgets topics whose creation failed, and fails with that error', async () => {
    const sink = manualSink();
    const known = new Set<string>();
    const errors: ConnectorError[] = [];
    const d = dispatcher(sink, { batchRecords: 1, knownTopics: known, onError: (e) => errors.push(e) });
    d.push([rec(0, 'x')], undefined);
    await turn();
    const denied = new ConnectorError('SINK_SETUP', 'not allowed');
    sink.ensure[0]!.fail(denied);
    await turn();
    expect(known.has('x')).toBe(false);
    expect(errors).toEqual([denied]);
    expect(sink.calls).toHaveLength(0);
  });

  it('latches the first failure: reported once, no acks after it, waiters and later pushes refused', async () => {
    const sink = manualSink();
    const errors: ConnectorError[] = [];
    const acked: number[] = [];
    const d = dispatcher(sink, { batchRecords: 1, maxUnacked: 3, onError: (e) => errors.push(e), onAcked: (f) => acked.push(f) });
    d.push([rec(0)], undefined);
    d.push([rec(1)], undefined);
    d.push([rec(2)], undefined);
    const room = d.waitForRoom();
    sink.calls[0]!.fail(new Error('broker down'));
    sink.calls[1]!.fail(new Error('second'));
    sink.calls[2]!.ack();
    await expect(room).resolves.toBe(false);
    await turn();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('SINK_SEND');
    expect(acked).toEqual([]);
    expect(() => d.push([rec(3)], undefined)).toThrow(errors[0]);
    await expect(d.settle()).rejects.toBe(errors[0]);
  });

  it('release() answers waiters false while publishing goes on; drain waits for what is in flight', async () => {
    const sink = manualSink();
    const d = dispatcher(sink, { batchRecords: 2, maxUnacked: 2 });
    d.push([rec(0), rec(1)], undefined);
    const room = d.waitForRoom();
    d.release();
    await expect(room).resolves.toBe(false);
    expect(await d.drain(1)).toBe(false);
    const drained = d.drain(5_000);
    sink.calls[0]!.ack();
    expect(await drained).toBe(true);
    expect(d.acked).toBe(2);
  });

  it('abort() stops publishing without reporting an error', async () => {
    const sink = manualSink();
    const errors: ConnectorError[] = [];
    const d = dispatcher(sink, { batchRecords: 5, onError: (e) => errors.push(e) });
    d.push([rec(0)], undefined);
    d.abort(new ConnectorError('SNAPSHOT', 'reader failed'));
    d.flush();
    await turn();
    expect(sink.calls).toHaveLength(0);
    expect(errors).toEqual([]);
  });
});

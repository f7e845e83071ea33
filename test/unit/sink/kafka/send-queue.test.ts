import { ConnectorError } from '../../../../connector/errors';
import { SendQueue } from '../../../../connector/sink/kafka/send-queue';

// A controllable fake broker: every send() is recorded and waits until the test settles it.
function harness(maxBatchRecords: number, deliveryTimeoutMs = 60_000) {
  const sends: { batch: number[]; settle: (err?: Error) => void }[] = [];
  const queue = new SendQueue<number>({
    maxBatchRecords,
    deliveryTimeoutMs,
    send: (batch) =>
      new Promise<void>((resolve, reject) => {
        sends.push({ batch: [...batch], settle: (err) => (err ? reject(err) : resolve()) });
      }),
    toError: (cause, batch, timedOut) =>
      new ConnectorError('SINK_SEND', `failed: ${(cause as Error).message}`, { cause, context: { records: batch.length, timedOut } }),
  });
  return { queue, sends };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

test('one batch in flight; later calls coalesce into the next batch in call order', async () => {
  const { queue, sends } = harness(100);
  const done: number[] = [];
  const a = queue.enqueue(range(0, 3)).then(() => done.push(1));
  const b = queue.enqueue(range(3, 2)).then(() => done.push(2));
  const c = queue.enqueue(range(5, 4)).then(() => done.push(3));
  await flush();
  expect(sends.map((s) => s.batch)).toEqual([[0, 1, 2]]);
  sends[0].settle();
  await flush();
  expect(sends[1].batch).toEqual([3, 4, 5, 6, 7, 8]);
  expect(done).toEqual([1]);
  sends[1].settle();
  await Promise.all([a, b, c]);
  expect(done).toEqual([1, 2, 3]);
  expect(queue.pending).toBe(0);
});

test('batches hold at most maxBatchRecords and split calls; a call resolves when its last record is acked', async () => {
  const { queue, sends } = harness(4);
  let firstDone = false;
  const first = queue.enqueue(range(0, 6)).then(() => (firstDone = true));
  const second = queue.enqueue(range(6, 3));
  await flush();
  expect(sends[0].batch).toEqual([0, 1, 2, 3]);
  sends[0].settle();
  await flush();
  expect(firstDone).toBe(false);
  expect(sends[1].batch).toEqual([4, 5, 6, 7]);
  sends[1].settle();
  await first;
  await flush();
  expect(sends[2].batch).toEqual([8]);
  sends[2].settle();
  await second;
  expect(sends.flatMap((s) => s.batch)).toEqual(range(0, 9));
});

test('a failed batch rejects itself, everything queued and every later call; nothing after it is sent', async () => {
  const { queue, sends } = harness(2);
  const a = queue.enqueue([1, 2]);
  const b = queue.enqueue([3, 4]);
  const c = queue.enqueue([5]);
  await flush();
  sends[0].settle();
  await a;
  await flush();
  sends[1].settle(new Error('broker gone'));
  await expect(b).rejects.toMatchObject({ code: 'SINK_SEND', message: 'failed: broker gone' });
  await expect(c).rejects.toBe(queue.failed);
  await expect(queue.enqueue([6])).rejects.toBe(queue.failed);
  await flush();
  expect(sends).toHaveLength(2);
  expect(queue.pending).toBe(0);
});

test('a batch not acked within deliveryTimeoutMs fails the queue', async () => {
  const { queue, sends } = harness(10, 30);
  const p = queue.enqueue([1]);
  await expect(p).rejects.toMatchObject({ code: 'SINK_SEND', context: { timedOut: true } });
  expect(sends).toHaveLength(1);
  // A late ack of the timed-out batch changes nothing.
  sends[0].settle();
  await flush();
  await expect(queue.enqueue([2])).rejects.toBe(queue.failed);
});

test('empty calls resolve at once; whenIdle waits for in-flight records', async () => {
  const { queue, sends } = harness(10);
  await expect(queue.enqueue([])).resolves.toBeUndefined();
  await expect(queue.whenIdle(10)).resolves.toBe(true);
  const p = queue.enqueue([1]);
  await expect(queue.whenIdle(10)).resolves.toBe(false);
  const idle = queue.whenIdle(5_000);
  sends[0].settle();
  await p;
  await expect(idle).resolves.toBe(true);
});

test('rejects maxBatchRecords below 1', () => {
  expect(() => harness(0)).toThrow(RangeError);
});

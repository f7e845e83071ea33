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

describe('maxBatchBytes (items are their own sizes here)', () => {
  function bytesHarness(maxBatchBytes: number, checkpoints = false) {
    const sends: { batch: number[]; checkpoint: string | undefined; settle: () => void }[] = [];
    const queue = new SendQueue<number, string>({
      maxBatchRecords: 100, maxBatchBytes, sizeOf: (n) => n, checkpoints, deliveryTimeoutMs: 60_000,
      send: (batch, checkpoint) => new Promise<void>((resolve) => { sends.push({ batch: [...batch], checkpoint, settle: resolve }); }),
      toError: (cause) => new ConnectorError('SINK_SEND', `failed: ${(cause as Error).message}`, { cause }),
    });
    return { queue, sends };
  }
  async function drain(sends: { settle: () => void }[], done: Promise<unknown>): Promise<void> {
    for (let i = 0; i < 20 && !(await Promise.race([done.then(() => true), flush().then(() => false)])); i++) sends[i]?.settle();
  }

  test('a batch stops before the record that would pass the bytes; a larger record goes alone', async () => {
    const { queue, sends } = bytesHarness(10);
    const all = queue.enqueue([4, 4, 4, 20, 1, 2]);
    await drain(sends, all);
    await all;
    expect(sends.map((s) => s.batch)).toEqual([[4, 4], [4], [20], [1, 2]]);
  });

  test('with checkpoints, a bytes cut still ends a committed batch at a checkpoint', async () => {
    const { queue, sends } = bytesHarness(10, true);
    const x = queue.enqueue([1], 'X');
    const a = queue.enqueue([3, 3], 'A');
    const b = queue.enqueue([3, 3], 'B');
    await drain(sends, Promise.all([x, a, b]));
    // After X: A (6) and one of B (9) fit, the other of B would not: cut back to A's checkpoint.
    expect(sends.map((s) => [s.batch, s.checkpoint])).toEqual([[[1], 'X'], [[3, 3], 'A'], [[3, 3], 'B']]);
  });

  test('a unit over the bytes goes out in pieces, the commit with its last piece', async () => {
    const { queue, sends } = bytesHarness(10, true);
    const t = queue.enqueue([6, 6, 6], 'T');
    await drain(sends, t);
    expect(sends.map((s) => [s.batch, s.checkpoint])).toEqual([[[6], undefined], [[6], undefined], [[6], 'T']]);
  });
});

describe('checkpoints (exactly-once)', () => {
  function txHarness(maxBatchRecords: number) {
    const sends: { batch: number[]; checkpoint: string | undefined; settle: (err?: Error) => void; settled?: boolean }[] = [];
    const queue = new SendQueue<number, string>({
      maxBatchRecords,
      checkpoints: true,
      deliveryTimeoutMs: 60_000,
      send: (batch, checkpoint) =>
        new Promise<void>((resolve, reject) => {
          sends.push({ batch: [...batch], checkpoint, settle: (err) => (err ? reject(err) : resolve()) });
        }),
      toError: (cause) => new ConnectorError('SINK_SEND', `failed: ${(cause as Error).message}`, { cause }),
    });
    return { queue, sends };
  }

  test('a batch ends at the last checkpoint it reaches; the rest of a later unit waits for the next batch', async () => {
    const { queue, sends } = txHarness(10);
    const done: string[] = [];
    // A is in flight while B, C and d queue up behind it.
    const a = queue.enqueue(range(0, 3), 'A').then(() => done.push('A'));
    const b = queue.enqueue(range(3, 4), 'B').then(() => done.push('B'));
    const c = queue.enqueue(range(7, 2), 'C').then(() => done.push('C'));
    const d = queue.enqueue(range(9, 5)).then(() => done.push('d'));
    await flush();
    expect(sends.map((s) => [s.batch, s.checkpoint])).toEqual([[range(0, 3), 'A']]);
    sends[0].settle();
    await a;
    await flush();
    // B and C whole (10 items would have taken a piece of d): cut at C's checkpoint.
    expect(sends.slice(1).map((s) => [s.batch, s.checkpoint])).toEqual([[range(3, 6), 'C']]);
    sends[1].settle();
    await Promise.all([b, c]);
    await flush();
    // d carries no checkpoint: a piece, sent in the open transaction, acked once sent.
    expect(sends[2]).toMatchObject({ batch: range(9, 5), checkpoint: undefined });
    sends[2].settle();
    await d;
    expect(done).toEqual(['A', 'B', 'C', 'd']);
  });

  test('a unit larger than a batch goes out in pieces and resolves only with the commit at its checkpoint', async () => {
    const { queue, sends } = txHarness(4);
    let resolved = false;
    const big = queue.enqueue(range(0, 10), 'T').then(() => (resolved = true));
    await flush();
    expect(sends[0]).toMatchObject({ batch: [0, 1, 2, 3], checkpoint: undefined });
    sends[0].settle();
    await flush();
    expect(sends[1]).toMatchObject({ batch: [4, 5, 6, 7], checkpoint: undefined });
    sends[1].settle();
    await flush();
    expect(resolved).toBe(false);
    expect(sends[2]).toMatchObject({ batch: [8, 9], checkpoint: 'T' });
    sends[2].settle();
    await big;
  });

  test('a call of no items with a checkpoint commits what earlier pieces sent, and resolves only then', async () => {
    const { queue, sends } = txHarness(4);
    const first = queue.enqueue(range(0, 2), 'S');
    const piece = queue.enqueue(range(2, 3));
    let committed = false;
    const end = queue.enqueue([], 'T').then(() => (committed = true));
    await flush();
    sends[0].settle();
    await first;
    await flush();
    // The piece and the checkpoint after it in one batch.
    expect(sends[1]).toMatchObject({ batch: [2, 3, 4], checkpoint: 'T' });
    expect(committed).toBe(false);
    sends[1].settle();
    await Promise.all([piece, end]);
    // A piece sent alone, then its empty checkpoint call commits it.
    const alone = queue.enqueue(range(5, 2));
    let later = false;
    const closing = queue.enqueue([], 'U').then(() => (later = true));
    await flush();
    expect(sends[2]).toMatchObject({ batch: [5, 6], checkpoint: undefined });
    sends[2].settle();
    await alone;
    await flush();
    expect(later).toBe(false);
    expect(sends[3]).toMatchObject({ batch: [], checkpoint: 'U' });
    sends[3].settle();
    await closing;
  });

  test('a failed commit rejects the unit and latches the queue', async () => {
    const { queue, sends } = txHarness(4);
    const unit = queue.enqueue(range(0, 2), 'T');
    await flush();
    sends[0].settle(new Error('PRODUCER_FENCED'));
    await expect(unit).rejects.toThrow('failed: PRODUCER_FENCED');
    await expect(queue.enqueue([5], 'U')).rejects.toThrow('failed: PRODUCER_FENCED');
  });

  test('random units, pieces and batch sizes: every commit holds exactly the units up to its checkpoint', async () => {
    // A small deterministic PRNG: the same sequences every run.
    let seed = 12345;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % n; };
    for (let round = 0; round < 300; round++) {
      const { queue, sends } = txHarness(1 + rand(12));
      // Unit u's items are u * 1000 + i; a unit is published as pieces (no checkpoint) and a last
      // call with its checkpoint (possibly of no items), as the stream session does.
      const units = 2 + rand(8);
      const sizes: number[] = [];
      const calls: Promise<void>[] = [];
      for (let u = 0; u < units; u++) {
        const size = rand(25);
        sizes.push(size);
        let i = 0;
        while (size - i > 1 && rand(3) === 0) {
          const piece = 1 + rand(size - i - 1);
          calls.push(queue.enqueue(range(u * 1000 + i, piece)));
          i += piece;
        }
        calls.push(queue.enqueue(range(u * 1000 + i, size - i), `${u}`));
        // Settle some sends between calls, so batches form at varied moments.
        while (sends.some((x) => !x.settled) && rand(2) === 0) { const next = sends.find((x) => !x.settled)!; next.settled = true; next.settle(); await flush(); }
      }
      for (;;) {
        await flush();
        const next = sends.find((x) => !x.settled);
        if (!next) break;
        next.settled = true;
        next.settle();
      }
      await Promise.all(calls);
      // Replay the sends as a Kafka transaction log.
      let open: number[] = [];
      let lastCommitted = -1;
      for (const { batch, checkpoint } of sends) {
        open.push(...batch);
        if (checkpoint === undefined) continue;
        const u = Number(checkpoint);
        expect(u).toBeGreaterThan(lastCommitted);
        const expected = sizes.flatMap((n, unit) => (unit > lastCommitted && unit <= u ? range(unit * 1000, n) : []));
        expect(open).toEqual(expected);
        lastCommitted = u;
        open = [];
      }
      expect(open).toEqual([]);
      expect(lastCommitted).toBe(units - 1);
    }
  });
});

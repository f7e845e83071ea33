/**
 * Transactions (exactly-once) on a fake producer: commits carry the offset record; a failed send
 * aborts; an abort requested while a send is still running (stop() after a delivery timeout)
 * leaves the library's transaction alone until that send settles.
 */
import { Transactions } from '../../../../connector/sink/kafka/transactions';
import { lsn } from '../../../../connector/protocol/lsn';

interface FakeTx { sent: unknown[]; ended: string[]; completed: boolean }

function fakeProducer(opts: { holdSend?: boolean } = {}) {
  const txs: FakeTx[] = [];
  const held: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const producer = {
    beginTransaction: async () => {
      const t: FakeTx = { sent: [], ended: [], completed: false };
      txs.push(t);
      return {
        get completed() { return t.completed; },
        send: ({ messages }: { messages: unknown[] }) => {
          t.sent.push(...messages);
          return opts.holdSend && held.length === 0 && t.sent.length === messages.length
            ? new Promise<void>((resolve, reject) => held.push({ resolve, reject }))
            : Promise.resolve();
        },
        commit: async () => { t.ended.push('commit'); t.completed = true; },
        abort: async () => { t.ended.push('abort'); t.completed = true; },
        cancel: async () => { t.ended.push('cancel'); t.completed = true; },
      };
    },
  };
  return { producer, txs, held };
}

const OPTIONS = { transactionalId: 'tid', offsetsTopic: 'offsets', offsetKey: 'c.offset', slot: 's' };
const message = { topic: 't', key: Buffer.from('k'), value: Buffer.from('v') };

test('a checkpoint commits the records with the offset record; the committed offset follows', async () => {
  const { producer, txs } = fakeProducer();
  const t = new Transactions(producer as never, OPTIONS, { offset: null, snapshot: null });
  await t.send([message], { lsn: { commitLsn: lsn(10), endLsn: lsn(11) } });
  expect(txs).toHaveLength(1);
  expect(txs[0]!.ended).toEqual(['commit']);
  expect(txs[0]!.sent).toHaveLength(2);
  expect(JSON.parse((txs[0]!.sent[1] as { value: Buffer }).value.toString())).toMatchObject({ commitLsn: '0/A', endLsn: '0/B', slot: 's' });
  expect(t.committed).toEqual({ commitLsn: lsn(10), endLsn: lsn(11) });
});

test('a failed send aborts the transaction and rejects', async () => {
  const { producer, txs, held } = fakeProducer({ holdSend: true });
  const t = new Transactions(producer as never, OPTIONS, { offset: null, snapshot: null });
  const sending = t.send([message], undefined);
  await new Promise((r) => setImmediate(r));
  held[0]!.reject(new Error('broker gone'));
  await expect(sending).rejects.toThrow('broker gone');
  expect(txs[0]!.ended).toEqual(['abort']);
  expect(t.inTransaction).toBe(false);
});

test('an abort while a send is still running does not end the transaction under it; the send then commits normally', async () => {
  const { producer, txs, held } = fakeProducer({ holdSend: true });
  const t = new Transactions(producer as never, OPTIONS, { offset: null, snapshot: null });
  const sending = t.send([message], { lsn: { commitLsn: lsn(10), endLsn: lsn(11) } });
  await new Promise((r) => setImmediate(r));
  await t.abort();
  expect(txs[0]!.ended).toEqual([]);
  held[0]!.resolve();
  await sending;
  expect(txs[0]!.ended).toEqual(['commit']);
  expect(t.committed).toEqual({ commitLsn: lsn(10), endLsn: lsn(11) });
  // With nothing running, an abort of a later open transaction goes through.
  await t.send([message], undefined);
  await t.abort();
  expect(txs[1]!.ended).toEqual(['abort']);
});

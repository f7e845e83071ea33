import { PublishWindow, SendResult } from '../../../../connector/sink/nats/publish-window';
import { createMemoryLogger } from '../../../../connector/observe/logger';
import { isConnectorError } from '../../../../connector/errors';

class Retriable extends Error {}

interface Pending { item: string; resolve(r: SendResult): void; reject(e: unknown): void }

/** A fake broker: every send waits until the test acks or fails it. */
function harness(maxInFlight: number, maxAttempts = 3) {
  const sent: string[] = [];
  const pending: Pending[] = [];
  const logger = createMemoryLogger();
  let maxSeen = 0;
  const w = new PublishWindow<string>({
    maxInFlight,
    retry: { initialMs: 1, maxMs: 1, maxAttempts },
    logger,
    sleep: async () => undefined,
    isRetriable: (e) => e instanceof Retriable,
    describe: (item) => ({ id: item }),
    send: (item, done) => {
      sent.push(item);
      pending.push({ item, resolve: (r) => done(null, r), reject: (e) => done(e, null) });
      maxSeen = Math.max(maxSeen, pending.length);
    },
  });
  const take = (item: string): Pending => {
    const i = pending.findIndex((p) => p.item === item);
    if (i < 0) throw new Error(`${item} not in flight (in flight: ${pending.map((p) => p.item).join(',')})`);
    return pending.splice(i, 1)[0];
  };
  return { w, sent, pending, logger, take, maxSeen: () => maxSeen };
}

const flush = async () => { for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r)); };
const state = (p: Promise<void>) => {
  let s = 'pending';
  p.then(() => { s = 'resolved'; }, () => { s = 'rejected'; });
  return () => s;
};

describe('PublishWindow', () => {
  it('sends in submission order across calls, bounded by maxInFlight, resolving a call only when all its items are acked', async () => {
    const h = harness(3);
    const a = state(h.w.submit(['a1', 'a2']));
    const b = state(h.w.submit(['b1', 'b2', 'b3']));
    await flush();
    expect(h.sent).toEqual(['a1', 'a2', 'b1']);
    h.take('a2').resolve({ duplicate: false }); // out-of-order completion
    await flush();
    expect(a()).toBe('pending');
    expect(h.sent).toEqual(['a1', 'a2', 'b1', 'b2']);
    h.take('a1').resolve({ duplicate: true }); // a duplicate ack counts as delivered
    await flush();
    expect(a()).toBe('resolved');
    for (const id of ['b1', 'b2', 'b3']) { await flush(); h.take(id).resolve({ duplicate: false }); }
    await flush();
    expect(b()).toBe('resolved');
    expect(h.sent).toEqual(['a1', 'a2', 'b1', 'b2', 'b3']);
    expect(h.maxSeen()).toBe(3);
  });

  it('after a retriable failure sends nothing new, waits for the window, then resends failed items in order one at a time', async () => {
    const h = harness(4);
    const call = state(h.w.submit(['r1', 'r2', 'r3', 'r4', 'r5']));
    await flush();
    h.take('r2').reject(new Retriable('timeout'));
    h.take('r1').reject(new Retriable('timeout'));
    await flush();
    expect(h.sent).toEqual(['r1', 'r2', 'r3', 'r4']); // r5 held back
    h.take('r4').resolve({ duplicate: false });
    await flush();
    expect(h.sent).toHaveLength(4);
    h.take('r3').resolve({ duplicate: false });
    await flush();
    expect(h.sent.slice(4)).toEqual(['r1']); // recovery: r1 alone
    h.take('r1').resolve({ duplicate: true });
    await flush();
    expect(h.sent.slice(5)).toEqual(['r2']);
    h.take('r2').resolve({ duplicate: false });
    await flush();
    expect(h.sent.slice(6)).toEqual(['r5']); // normal sending resumes
    h.take('r5').resolve({ duplicate: false });
    await flush();
    expect(call()).toBe('resolved');
    // r2 was stored fresh after r3/r4 were stored: flagged.
    expect(h.logger.entries.some((e) => e.level === 'warn' && /order may differ/.test(e.msg))).toBe(true);
  });

  it('warns once per outage: not once per failed publish in flight, nor once per failed resend', async () => {
    const h = harness(8, 10);
    const items = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'];
    const call = state(h.w.submit(items));
    await flush();
    for (const id of items) h.take(id).reject(new Retriable('timeout')); // an ack timeout fails the whole window
    await flush();
    h.take('w1').reject(new Retriable('still down')); // the resend fails too, twice
    await flush();
    h.take('w1').reject(new Retriable('still down'));
    await flush();
    const warnings = () => h.logger.entries.filter((e) => e.level === 'warn').map((e) => e.msg);
    expect(warnings()).toEqual([
      expect.stringMatching(/^nats publish failed; .*\(8 in flight\)/),
      expect.stringMatching(/^nats publish retry failed; further resend failures/),
    ]);
    expect(h.logger.entries.filter((e) => e.level === 'debug' && /nats publish/.test(e.msg))).toHaveLength(8);
    for (const id of items) { await flush(); h.take(id).resolve({ duplicate: true }); }
    await flush();
    expect(call()).toBe('resolved');
    // A later, separate outage is news again.
    const again = state(h.w.submit(['v1']));
    await flush();
    h.take('v1').reject(new Retriable('timeout'));
    await flush();
    expect(warnings()).toHaveLength(3);
    h.take('v1').resolve({ duplicate: false });
    await flush();
    expect(again()).toBe('resolved');
  });

  it('does not flag reordering when the retried items come back as duplicates', async () => {
    const h = harness(2);
    const call = h.w.submit(['d1', 'd2']);
    await flush();
    h.take('d1').reject(new Retriable('timeout'));
    h.take('d2').resolve({ duplicate: false });
    await flush();
    h.take('d1').resolve({ duplicate: true });
    await call;
    expect(h.logger.entries.some((e) => /order may differ/.test(e.msg))).toBe(false);
  });

  it('gives up after maxAttempts with SINK_SEND and rejects every later submission', async () => {
    const h = harness(2, 3);
    const call = h.w.submit(['x1', 'x2']).then(() => null, (e: unknown) => e);
    await flush();
    h.take('x2').resolve({ duplicate: false });
    h.take('x1').reject(new Retriable('timeout 0'));
    await flush();
    // Submitted while recovering: queued behind the failed item, never sent.
    const later = h.w.submit(['y1']).then(() => null, (e: unknown) => e);
    for (let i = 1; i < 3; i++) { await flush(); h.take('x1').reject(new Retriable(`timeout ${i}`)); }
    const caught = Promise.all([call, later]);
    const [e1, e2] = await caught;
    expect(isConnectorError(e1, 'SINK_SEND')).toBe(true);
    expect((e1 as Error).message).toMatch(/after 3 attempt/);
    expect(e2).toBe(e1);
    expect(h.sent).toEqual(['x1', 'x2', 'x1', 'x1']); // y1 never sent
    await expect(h.w.submit(['z'])).rejects.toBe(e1);
  });

  it('fails at once on a non-retriable error', async () => {
    const h = harness(2, 10);
    const call = h.w.submit(['n1']).then(() => null, (e: unknown) => e);
    await flush();
    h.take('n1').reject(new Error('maximum payload exceeded'));
    const e = await call;
    expect(isConnectorError(e, 'SINK_SEND')).toBe(true);
    expect(h.sent).toEqual(['n1']);
  });

  it('keeps one item in flight while disconnected', async () => {
    const h = harness(4);
    h.w.setConnected(false);
    const call = h.w.submit(['c1', 'c2', 'c3']);
    await flush();
    expect(h.sent).toEqual(['c1']);
    h.w.setConnected(true);
    await flush();
    expect(h.sent).toEqual(['c1', 'c2', 'c3']);
    for (const id of ['c1', 'c2', 'c3']) h.take(id).resolve({ duplicate: false });
    await call;
    await h.w.whenIdle();
  });
});

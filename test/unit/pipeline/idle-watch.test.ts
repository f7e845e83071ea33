/**
 * IdleWatch: an idle slot advances to a keepalive's WAL end only with nothing outstanding, and a
 * whole quiet interval reads as caught up.
 */
import { AckTracker } from '../../../connector/offsets/ack-tracker';
import { IdleWatch } from '../../../connector/pipeline/idle-watch';
import type { Metrics } from '../../../connector/observe/metrics';
import { lsn, type Lsn } from '../../../connector/protocol/lsn';

function watch(withMetrics = true) {
  const tracker = new AckTracker(lsn(10));
  const state = { outstanding: false, caughtUp: 0, advancedFrom: [] as Lsn[] };
  const metrics = { caughtUp: () => { state.caughtUp++; } } as unknown as Metrics;
  const idle = new IdleWatch({
    tracker, nothingOutstanding: () => !state.outstanding, advanced: (before) => state.advancedFrom.push(before),
    metrics: withMetrics ? metrics : undefined, intervalMs: 1000,
  });
  return { tracker, state, idle };
}

describe('IdleWatch', () => {
  afterEach(() => jest.useRealTimers());

  it("advances to a keepalive's WAL end with nothing outstanding; otherwise later, when advance() finds nothing outstanding", () => {
    const { tracker, state, idle } = watch();
    idle.keepalive(lsn(50));
    expect(tracker.confirmed).toBe(lsn(50));
    expect(state.advancedFrom).toEqual([lsn(10)]);
    state.outstanding = true;
    idle.keepalive(lsn(80));
    expect(tracker.confirmed).toBe(lsn(50));
    idle.advance();
    expect(tracker.confirmed).toBe(lsn(50));
    state.outstanding = false;
    idle.advance();
    expect(tracker.confirmed).toBe(lsn(80));
  });

  it('never advances before a keepalive, nor past an open transaction', () => {
    const { tracker, idle } = watch();
    idle.advance();
    expect(tracker.confirmed).toBe(lsn(10));
    tracker.begin();
    idle.keepalive(lsn(50));
    expect(tracker.confirmed).toBe(lsn(10));
  });

  it('a whole interval without data, everything acknowledged, reads as caught up; data in it or records in flight do not', () => {
    jest.useFakeTimers();
    const { tracker, state, idle } = watch();
    idle.start();
    idle.data();
    jest.advanceTimersByTime(1000);
    expect(state.caughtUp).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(state.caughtUp).toBe(1);
    tracker.reserve(1);
    jest.advanceTimersByTime(1000);
    expect(state.caughtUp).toBe(1);
    tracker.ack(0, 1);
    jest.advanceTimersByTime(1000);
    expect(state.caughtUp).toBe(2);
    idle.stop();
    jest.advanceTimersByTime(5000);
    expect(state.caughtUp).toBe(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('without metrics no timer runs', () => {
    jest.useFakeTimers();
    const { idle } = watch(false);
    idle.start();
    expect(jest.getTimerCount()).toBe(0);
  });
});

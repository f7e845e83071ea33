import { ConnectorError } from '../../../connector/errors';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { ConfirmReporter, type ConfirmReporterDeps } from '../../../connector/pipeline/confirm-reporter';
import type { Lsn } from '../../../connector/protocol/lsn';

const lsn = (n: number): Lsn => BigInt(n) as Lsn;

interface Harness {
  readonly reporter: ConfirmReporter;
  readonly sent: Lsn[];
  readonly state: { confirmed: Lsn; failed: boolean; stopping: boolean };
  readonly failures: ConnectorError[];
}

function harness(over: Partial<ConfirmReporterDeps> = {}): Harness {
  const sent: Lsn[] = [];
  const failures: ConnectorError[] = [];
  const state = { confirmed: lsn(100), failed: false, stopping: false };
  const reporter = new ConfirmReporter({
    confirmed: () => state.confirmed,
    send: (l) => sent.push(l),
    heartbeatMs: 60_000,
    logger: createMemoryLogger(),
    failed: () => state.failed,
    stopping: () => state.stopping,
    onRecordFailed: (e) => failures.push(e),
    ...over,
  }, lsn(100));
  return { reporter, sent, state, failures };
}

/** Resolves once `predicate` holds, polling the microtask and timer queues; fails at the deadline. */
async function until(predicate: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setImmediate(r));
  }
}

describe('ConfirmReporter', () => {
  it('sends a moved position at once and an unchanged one only when forced or due', () => {
    const h = harness();
    h.reporter.report(false);
    expect(h.sent).toEqual([lsn(100)]);
    h.reporter.report(false);
    expect(h.sent).toEqual([lsn(100)]);
    h.state.confirmed = lsn(200);
    h.reporter.report(false);
    h.reporter.report(true);
    expect(h.sent).toEqual([lsn(100), lsn(200), lsn(200)]);
  });

  it('sends only positions whose recording resolved, and the newer one once it resolves', async () => {
    let release!: () => void;
    const recorded: Lsn[] = [];
    const h = harness({
      recordConfirmed: (l) => new Promise<void>((r) => { recorded.push(l); release = r; }),
    });
    h.state.confirmed = lsn(300);
    h.reporter.report(false);
    expect(recorded).toEqual([lsn(300)]);
    expect(h.sent).toEqual([lsn(100)]); // the start position needs no recording
    h.reporter.report(true);
    expect(h.sent).toEqual([lsn(100), lsn(100)]);
    release();
    await until(() => h.sent.length === 3);
    expect(h.sent[2]).toBe(lsn(300));
  });

  it('records one position at a time, the later one after the earlier', async () => {
    const releases: Array<() => void> = [];
    const recorded: Lsn[] = [];
    const h = harness({ recordConfirmed: (l) => new Promise<void>((r) => { recorded.push(l); releases.push(r); }) });
    const first = h.reporter.record(lsn(200));
    const second = h.reporter.record(lsn(400));
    expect(recorded).toEqual([lsn(200)]);
    releases[0]!();
    await first;
    await until(() => recorded.length === 2);
    expect(recorded).toEqual([lsn(200), lsn(400)]);
    releases[1]!();
    await second;
  });

  it('reports nothing after a failure, except while stopping', () => {
    const h = harness();
    h.state.failed = true;
    h.reporter.report(true);
    expect(h.sent).toEqual([]);
    h.state.stopping = true;
    h.reporter.report(true);
    expect(h.sent).toEqual([lsn(100)]);
  });

  it('fails the session with STATE when a recording fails, and sends nothing newer', async () => {
    const h = harness({ recordConfirmed: () => Promise.reject(new Error('disk full')) });
    h.state.confirmed = lsn(500);
    h.reporter.report(false);
    await until(() => h.failures.length === 1);
    expect(h.failures[0]!.code).toBe('STATE');
    expect(h.sent).toEqual([lsn(100)]);
  });
});

import { EnvelopeBuilder } from '../../../connector/envelope/builder';
import { HeartbeatRecords } from '../../../connector/envelope/heartbeat-record';
import { ConnectorError } from '../../../connector/errors';
import { createMemoryLogger } from '../../../connector/observe/logger';
import type { Metrics } from '../../../connector/observe/metrics';
import { StreamSession } from '../../../connector/pipeline/stream-session';
import { lsn } from '../../../connector/protocol/lsn';
import type { ReplicationConnection, StreamHandler } from '../../../connector/source/replication-connection';
import type { Sink } from '../../../connector/sink/port';
import { ENVELOPE_OPTIONS, fakeSource } from './fake-source';

// The server can refuse the stream in the same bytes that start it (CopyBothResponse, then an
// ErrorResponse: a publication the slot cannot see). The session then ended before run() went on
// to start its status and heartbeat timers; it started them anyway, and nothing stopped them:
// the process stayed up 5 s after the failure, and each failed attempt of a retrying connector
// left one more pair of timers behind.
describe('StreamSession lifecycle', () => {
  afterEach(() => jest.useRealTimers());

  it('a stream refused as it starts: run() rejects and no timer is left running', async () => {
    jest.useFakeTimers();
    const refused = new ConnectorError('PUBLICATION_MISMATCH', 'publication "p" does not exist', { retriable: false });
    const source = fakeSource();
    const repl = {
      ...source.repl,
      slot: 's',
      start: (_l: unknown, _o: string, h: StreamHandler) => { h.closed(refused); return Promise.resolve(); },
      close: () => Promise.resolve(),
    } as unknown as ReplicationConnection;
    const sink: Sink = { type: 'kafka', start: async () => undefined, ensureTopics: async () => undefined, stop: async () => undefined, publish: () => Promise.resolve() };
    // Every metrics call, by method name.
    const calls: unknown[][] = [];
    const metrics = new Proxy({}, { get: (_t, name) => (...args: unknown[]) => { calls.push([name, ...args]); } }) as Metrics;
    const session = new StreamSession({
      repl, decoder: source.decoder, sink, logger: createMemoryLogger(), startLsn: lsn(1), knownTopics: new Set(),
      builder: new EnvelopeBuilder({ connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '1', options: ENVELOPE_OPTIONS }),
      options: { heartbeatMs: 1000, maxInFlightEvents: 100, batchSize: 10, stopTimeoutMs: 1000 },
      heartbeat: { intervalMs: 1000, records: new HeartbeatRecords('__debezium-heartbeat', 'shop', false) },
      metrics,
    });
    const streaming = jest.fn();
    await expect(session.run('', streaming)).rejects.toBe(refused);
    expect(jest.getTimerCount()).toBe(0);
    // Not "streaming": the phase goes from connecting to backoff.
    expect(streaming).not.toHaveBeenCalled();
    // The in-flight gauge of an ended session reads 0, not its last value.
    expect(calls.filter(([m]) => m === 'inflightEvents').at(-1)).toEqual(['inflightEvents', 0]);
  });

  it('an idle slot advanced to a keepalive\'s WAL end is reported to onConfirmed, as an ack is', async () => {
    const source = fakeSource();
    const confirmed: bigint[] = [];
    const sink: Sink = { type: 'kafka', start: async () => undefined, ensureTopics: async () => undefined, stop: async () => undefined, publish: () => Promise.resolve() };
    const session = new StreamSession({
      repl: source.repl, decoder: source.decoder, sink, logger: createMemoryLogger(), startLsn: lsn(0x100), knownTopics: new Set(),
      builder: new EnvelopeBuilder({ connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '1', options: ENVELOPE_OPTIONS }),
      options: { heartbeatMs: 1000, maxInFlightEvents: 100, batchSize: 10, stopTimeoutMs: 1000 },
      onConfirmed: (l) => confirmed.push(l),
    });
    const streaming = jest.fn();
    const running = session.run('', streaming).catch(() => undefined);
    try {
      await Promise.resolve();
      expect(streaming).toHaveBeenCalledTimes(1);
      source.handler.keepalive(lsn(0x500), false);
      expect(confirmed).toEqual([lsn(0x500)]);
    } finally {
      await session.stop('test');
      await running;
    }
  });
});

/**
 * The source side of a StreamSession under unit test: a fake replication connection (it records
 * the status updates and hands the session's handler out) and a decoder that returns the events
 * the test feeds, one XLogData message per feed (numbered, so a queued message decodes right).
 */
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import type { ChangeEvent, Decoder } from '../../../connector/model/change';
import { lsn, type Lsn } from '../../../connector/protocol/lsn';
import type { ReplicationConnection, StreamHandler } from '../../../connector/source/replication-connection';

/** Debezium's defaults for the envelope options the session tests build records with. */
export const ENVELOPE_OPTIONS: EnvelopeOptions = {
  tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric',
  skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [], columnTruncate: [],
  columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [],
};

export interface FakeSource {
  readonly repl: ReplicationConnection;
  readonly decoder: Decoder;
  /** Every status update the session sent (confirmed positions). */
  readonly statuses: Lsn[];
  /** The session's handler, once it started streaming. */
  readonly handler: StreamHandler;
  /** Hands `events` to the session as one XLogData message at `walStart`. */
  feed(walStart: bigint, ...events: ChangeEvent[]): void;
}

export function fakeSource(): FakeSource {
  let handler: StreamHandler | null = null;
  const statuses: Lsn[] = [];
  let paused = false;
  const repl = {
    slot: 's',
    start: (_l: Lsn, _o: string, h: StreamHandler) => { handler = h; return Promise.resolve(); },
    sendStatus: (l: Lsn) => { statuses.push(l); },
    pause: () => { paused = true; },
    resume: () => { paused = false; },
    get isPaused() { return paused; },
    close: () => Promise.resolve(),
    destroy: () => undefined,
  } as unknown as ReplicationConnection;
  // Each message's data is its number: a message the session queued (and copied) decodes to its own events later.
  const messages: Array<readonly ChangeEvent[]> = [];
  const decoder: Decoder = { plugin: 'pgoutput', startOptions: () => '', decode: (data) => messages[data.readUInt32BE(0)]! };
  const started = (): StreamHandler => {
    if (!handler) throw new Error('the session has not started streaming');
    return handler;
  };
  return {
    repl, decoder, statuses,
    get handler() { return started(); },
    feed: (walStart, ...events) => {
      const data = Buffer.alloc(4);
      data.writeUInt32BE(messages.length);
      messages.push(events);
      started().xlogData(lsn(walStart), lsn(walStart), data);
    },
  };
}

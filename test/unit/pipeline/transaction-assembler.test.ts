/**
 * TransactionAssembler on its own: decoded events in, records, checkpoints and tracker
 * positions out (the session's part, reading and sending, is a recording stand-in here).
 */
import type { DataEvent, Relation } from '../../../connector/model/change';
import { EnvelopeBuilder } from '../../../connector/envelope/builder';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { AckTracker } from '../../../connector/offsets/ack-tracker';
import { TransactionAssembler } from '../../../connector/pipeline/transaction-assembler';
import { lsn } from '../../../connector/protocol/lsn';
import type { CommittedOffset, SinkCheckpoint, SinkRecord } from '../../../connector/model/record';
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import { ENVELOPE_OPTIONS } from './fake-source';

const T: Relation = { oid: 7, schema: 'public', table: 't', replicaIdentity: 'default', columns: [{ name: 'id', typeOid: 23, typeMod: -1, isKey: true }] };
const insert = (at: number, id: number): DataEvent => ({ kind: 'insert', lsn: lsn(at), relation: T, after: [String(id)] });
const del = (at: number, id: number): DataEvent => ({ kind: 'delete', lsn: lsn(at), relation: T, before: [String(id)], beforeIsKeyOnly: true });

interface Out {
  assembler: TransactionAssembler;
  tracker: AckTracker;
  /** Every record pushed, with the commit time it was pushed under. */
  pushed: Array<{ record: SinkRecord; commitUs: bigint }>;
  /** Checkpoints asked for, each with the number of records pushed before it. */
  checkpoints: Array<{ checkpoint: SinkCheckpoint; after: number }>;
  logs: ReturnType<typeof createMemoryLogger>;
  /** What output.replaying() answers. */
  state: { replaying: boolean };
}

function assemble(opts: { metadata?: boolean; committed?: CommittedOffset | null; options?: Partial<EnvelopeOptions> } = {}): Out {
  const tracker = new AckTracker(lsn(1));
  const logs = createMemoryLogger();
  const builder = new EnvelopeBuilder({ connectorName: 'shop', topicPrefix: 'shop', database: 'app', version: '1', options: { ...ENVELOPE_OPTIONS, ...opts.options } });
  const pushed: Out['pushed'] = [];
  const checkpoints: Out['checkpoints'] = [];
  const state = { replaying: false };
  const assembler = new TransactionAssembler({
    builder, tracker, logger: logs,
    transactionMetadata: opts.metadata ? { topic: 'shop.transaction', schemas: false } : undefined,
    exactlyOnce: opts.committed !== undefined ? { committed: opts.committed } : undefined,
    output: {
      push: (records, commitUs) => {
        tracker.reserve(records.length);
        for (const record of records) pushed.push({ record, commitUs });
      },
      checkpoint: (checkpoint) => { checkpoints.push({ checkpoint, after: pushed.length }); },
      hold: () => { throw new Error('no change is held without a fresh-read filter'); },
      replaying: () => state.replaying,
    },
  });
  return { assembler, tracker, pushed, checkpoints, logs, state };
}

const value = (r: SinkRecord) => JSON.parse(r.value!.toString()) as { op?: string; status?: string; id?: string; source?: { sequence: string } };
const tx = (out: Out, xid: number, finalLsn: number, endLsn: number, ...events: DataEvent[]): void => {
  out.assembler.begin({ kind: 'begin', xid, finalLsn: lsn(finalLsn), commitTimeUs: 1_000_000n * BigInt(xid) }, lsn(finalLsn - 50));
  for (const ev of events) out.assembler.data(ev, 5n);
  out.assembler.commit({ kind: 'commit', commitLsn: lsn(finalLsn), endLsn: lsn(endLsn), commitTimeUs: 1_000_000n * BigInt(xid) });
};

describe('TransactionAssembler', () => {
  it('numbers a transaction in the tracker: its commit is confirmed once its records are acked, not before', () => {
    const out = assemble();
    tx(out, 10, 100, 108, insert(90, 1), insert(95, 2));
    expect(out.pushed.map((p) => value(p.record).op)).toEqual(['c', 'c']);
    expect(out.pushed.every((p) => p.commitUs === 10_000_000n)).toBe(true);
    expect(out.tracker.confirmed).toBe(lsn(1));
    out.tracker.ack(0, 1);
    expect(out.tracker.confirmed).toBe(lsn(1));
    out.tracker.ack(1, 2);
    expect(out.tracker.confirmed).toBe(lsn(108));
    expect(out.assembler.inTransaction).toBe(false);
  });

  it("source.sequence names the last counting transaction's end LSN; one whose changes skipped.operations dropped does not count", () => {
    const out = assemble({ options: { skippedOperations: ['d'] } });
    tx(out, 1, 100, 108, insert(90, 1));
    tx(out, 2, 200, 208, del(190, 1)); // dropped whole: no records, and the sequence stays
    tx(out, 3, 300, 308, insert(290, 3));
    const sequences = out.pushed.map((p) => JSON.parse(value(p.record).source!.sequence) as [string | null, string]);
    expect(sequences).toEqual([[null, '90'], ['108', '290']]);
  });

  it('transaction metadata: BEGIN at the BEGIN message, END at the commit, ids in one sequence', () => {
    const out = assemble({ metadata: true });
    tx(out, 4, 100, 108, insert(90, 1));
    expect(out.pushed.map((p) => p.record.topic)).toEqual(['shop.transaction', 'shop.public.t', 'shop.transaction']);
    expect(value(out.pushed[0]!.record)).toMatchObject({ status: 'BEGIN', id: '4:50' });
    expect(value(out.pushed[2]!.record)).toMatchObject({ status: 'END', id: '4:108' });
    expect(out.pushed.map((p) => p.record.id)).toEqual(['0/64:0', '0/64:1', '0/64:2']);
  });

  it('a replayed streamed transaction (no BEGIN message): BEGIN waits for its first change and takes its LSN', () => {
    const out = assemble({ metadata: true });
    out.state.replaying = true;
    tx(out, 5, 100, 108, insert(93, 1));
    expect(out.pushed.map((p) => value(p.record).status ?? value(p.record).op)).toEqual(['BEGIN', 'c', 'END']);
    expect(value(out.pushed[0]!.record).id).toBe('5:93');
  });

  it('exactly-once: a checkpoint at each commit that sent records, none for one that sent nothing; a non-transactional message is a unit of its own', () => {
    const out = assemble({ committed: null, options: { skippedOperations: ['d'] } });
    tx(out, 1, 100, 108, insert(90, 1));
    tx(out, 2, 200, 208, del(190, 1));
    out.assembler.data({ kind: 'message', lsn: lsn(250), transactional: false, prefix: 'p', content: Buffer.from('x') }, 5n);
    expect(out.checkpoints).toEqual([
      { checkpoint: { lsn: { commitLsn: lsn(100), endLsn: lsn(108) } }, after: 1 },
      { checkpoint: { lsn: { commitLsn: lsn(250), endLsn: lsn(250) } }, after: 2 },
    ]);
  });

  it('exactly-once: transactions at or below the committed offset send nothing; the skip is logged once, when the first new one begins', () => {
    const out = assemble({ committed: { commitLsn: lsn(200), endLsn: lsn(208) } });
    tx(out, 1, 100, 108, insert(90, 1));
    tx(out, 2, 200, 208, insert(190, 2));
    expect(out.pushed).toEqual([]);
    expect(out.checkpoints).toEqual([]);
    expect(out.logs.entries.filter((e) => e.msg.startsWith('skipped'))).toEqual([]);
    tx(out, 3, 300, 308, insert(290, 3), insert(295, 4));
    tx(out, 4, 400, 408, insert(390, 5));
    expect(out.pushed.map((p) => p.record.id)).toEqual(['0/12C:0', '0/12C:1', '0/190:0']);
    const skipped = out.logs.entries.filter((e) => e.msg.startsWith('skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.fields).toMatchObject({ skipped: 2, committedLsn: '0/C8' });
    // The skipped transactions' commits still move the tracker: the first new one confirms past them.
    out.tracker.ack(0, 2);
    expect(out.tracker.confirmed).toBe(lsn(308));
  });
});

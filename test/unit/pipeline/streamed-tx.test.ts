/**
 * StreamedTransactions and replayCommitted: protocol misuse is refused, a replay waits for room
 * before every change, and a replay cut short by the session's end feeds no Commit (so nothing
 * of the transaction can be confirmed) and still removes the spill.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeEvent, Relation, StreamCommitEvent } from '../../../connector/model/change';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { SpillStore } from '../../../connector/offsets/spill';
import { replayCommitted, StreamedTransactions } from '../../../connector/pipeline/streamed-tx';
import { lsn } from '../../../connector/protocol/lsn';

const rel: Relation = Object.freeze({
  oid: 1, schema: 'public', table: 't', replicaIdentity: 'default',
  columns: Object.freeze([Object.freeze({ name: 'id', typeOid: 23, typeMod: -1, isKey: true })]),
});
const commitOf = (xid: number): StreamCommitEvent => ({ kind: 'streamCommit', xid, commitLsn: lsn(0x100), endLsn: lsn(0x130), commitTimeUs: 1n });

describe('StreamedTransactions', () => {
  let root: string;
  let txs: StreamedTransactions;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'walcast-streamed-test-'));
    txs = new StreamedTransactions(SpillStore.open(join(root, 's'), 1024), createMemoryLogger([]));
  });
  afterEach(() => {
    txs.close();
    rmSync(root, { recursive: true, force: true });
  });

  const stream = (xid: number, ids: number[], first = true, subXid = xid): void => {
    txs.start({ kind: 'streamStart', xid, firstSegment: first });
    for (const id of ids) txs.data({ kind: 'insert', lsn: lsn(id), relation: rel, after: [String(id)], xid: subXid });
    txs.stop();
  };

  it('refuses protocol misuse with clear errors', () => {
    expect(() => txs.start({ kind: 'streamStart', xid: 5, firstSegment: false })).toThrow(/first segment never arrived/);
    expect(() => txs.commit(commitOf(6))).toThrow(/Stream Commit for transaction 6, which was never streamed/);
    expect(() => txs.data({ kind: 'insert', lsn: lsn(1), relation: rel, after: ['1'] })).toThrow(/outside a stream block/);
    expect(() => txs.abort({ kind: 'streamAbort', xid: 9, subXid: 9 })).not.toThrow(); // nothing of it arrived
  });

  it('drops a whole aborted transaction, a subtransaction only when named', async () => {
    stream(5, [1, 2]);
    stream(5, [3, 4], false, 51);
    stream(5, [5], false);
    stream(6, [100]);
    txs.abort({ kind: 'streamAbort', xid: 5, subXid: 51 });
    txs.abort({ kind: 'streamAbort', xid: 6, subXid: 6 });
    expect(txs.openCount).toBe(1);
    const fed: ChangeEvent[] = [];
    const done = await replayCommitted(txs.commit(commitOf(5)), commitOf(5), { event: (e) => fed.push(e), full: () => false, room: async () => true });
    expect(done).toBe(true);
    expect(fed.map((e) => (e.kind === 'insert' ? e.after[0] : e.kind))).toEqual(['begin', '1', '2', '5', 'commit']);
    expect(fed[0]).toEqual({ kind: 'begin', xid: 5, finalLsn: 0x100n, commitTimeUs: 1n });
    expect(fed[4]).toEqual({ kind: 'commit', commitLsn: 0x100n, endLsn: 0x130n, commitTimeUs: 1n });
  });

  it('waits for room before each change and stops without a Commit when the session ends', async () => {
    stream(7, Array.from({ length: 200 }, (_, i) => i));
    const tx = txs.commit(commitOf(7));
    expect(existsSync(tx.path)).toBe(true);
    const fed: ChangeEvent[] = [];
    let waits = 0;
    const done = await replayCommitted(tx, commitOf(7), {
      event: (e) => fed.push(e),
      full: () => fed.length % 50 === 0,
      room: async () => ++waits < 3,
    });
    expect(done).toBe(false);
    expect(waits).toBe(3);
    expect(fed.some((e) => e.kind === 'commit')).toBe(false);
    expect(fed.filter((e) => e.kind === 'insert')).toHaveLength(149); // full at 50, 100, 150 events fed; the third room() says the session ends
    expect(existsSync(tx.path)).toBe(false);
  });
});

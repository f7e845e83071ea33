/**
 * pgoutput protocol v2 (in-progress transactions): Stream Start/Stop/Commit/Abort, the xid that
 * data messages carry inside a block, and the recording from PostgreSQL 15
 * (scripts/record-pgoutput-stream-fixture.js) decoded and kept through StreamedTransactions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../../config/load';
import { createDecoder, streamsInProgress } from '../../../../connector/decode/factory';
import type { DataEvent } from '../../../../connector/model/change';
import { createPgoutputDecoder, decodePgoutputMessage } from '../../../../connector/decode/pgoutput';
import { createMemoryLogger } from '../../../../connector/observe/logger';
import { SpillStore } from '../../../../connector/offsets/spill';
import { replayCommitted, StreamedTransactions } from '../../../../connector/pipeline/streamed-tx';
import { lsn } from '../../../../connector/protocol/lsn';
import { PG_EPOCH_UNIX_US } from '../../../../connector/protocol/pg-time';
import { bytes } from '../../protocol/bytes';
import { loadFixture } from './fixtures';
import { caught } from '../../../support/caught';

const AT = lsn(0x1000);
const streaming = () => createPgoutputDecoder({ publicationNames: ['p'], messages: true, streaming: true });
const relation = (xid?: number) => {
  const b = bytes().char('R');
  if (xid !== undefined) b.u32(xid);
  return b.u32(16400).cstr('public').cstr('t').char('d').i16(2)
    .u8(1).cstr('id').u32(23).i32(-1).u8(0).cstr('v').u32(25).i32(-1).build();
};
const insert = (id: string, xid?: number) => {
  const b = bytes().char('I');
  if (xid !== undefined) b.u32(xid);
  return b.u32(16400).char('N').i16(2).text(id).char('n').build();
};

describe('pgoutput v2 start options', () => {
  it('asks for proto_version 2 and streaming only when streaming', () => {
    expect(streaming().startOptions()).toBe(`proto_version '2', publication_names '"p"', messages 'true', streaming 'on'`);
    expect(createPgoutputDecoder({ publicationNames: ['p'], messages: true, streaming: false }).startOptions())
      .toBe(`proto_version '1', publication_names '"p"', messages 'true'`);
  });
});

describe('pgoutput v2 stream messages (synthetic bytes)', () => {
  it('parses each Stream message by its layout', () => {
    expect(decodePgoutputMessage(bytes().char('S').u32(0xfffffff0).u8(1).build())).toEqual({ tag: 'streamStart', xid: 0xfffffff0, firstSegment: true });
    expect(decodePgoutputMessage(bytes().char('S').u32(7).u8(0).build())).toEqual({ tag: 'streamStart', xid: 7, firstSegment: false });
    expect(decodePgoutputMessage(bytes().char('E').build())).toEqual({ tag: 'streamStop' });
    expect(decodePgoutputMessage(bytes().char('c').u32(7).u8(0).u64(0x2000n).u64(0x2030n).i64(5n).build())).toEqual({
      tag: 'streamCommit', xid: 7, flags: 0, commitLsn: 0x2000n, endLsn: 0x2030n, commitTimePgUs: 5n,
    });
    expect(decodePgoutputMessage(bytes().char('A').u32(7).u32(9).build())).toEqual({ tag: 'streamAbort', xid: 7, subXid: 9 });
  });

  it('reads the xid of data messages inside a block only', () => {
    const inBlock = decodePgoutputMessage(insert('1', 42), true);
    expect(inBlock).toMatchObject({ tag: 'insert', xid: 42, relationOid: 16400, newTuple: ['1', null] });
    expect(decodePgoutputMessage(insert('1'), false)).toMatchObject({ tag: 'insert', xid: null, relationOid: 16400 });
    expect(decodePgoutputMessage(bytes().char('M').u32(42).u8(1).u64(9n).cstr('pfx').i32(1).raw([5]).build(), true))
      .toMatchObject({ tag: 'message', xid: 42, transactional: true, prefix: 'pfx' });
    expect(decodePgoutputMessage(bytes().char('T').u32(42).i32(1).u8(3).u32(16400).build(), true))
      .toEqual({ tag: 'truncate', xid: 42, relationOids: [16400], cascade: true, restartIdentity: true });
    expect(decodePgoutputMessage(bytes().char('D').u32(42).u32(16400).char('K').i16(2).text('1').char('n').build(), true))
      .toMatchObject({ tag: 'delete', xid: 42, oldIsKeyOnly: true });
    expect(decodePgoutputMessage(bytes().char('U').u32(43).u32(16400).char('N').i16(2).text('1').text('x').build(), true))
      .toMatchObject({ tag: 'update', xid: 43, oldTuple: null });
    expect(decodePgoutputMessage(bytes().char('Y').u32(42).u32(90000).cstr('public').cstr('mood').build(), true))
      .toEqual({ tag: 'type', xid: 42, oid: 90000, schema: 'public', name: 'mood' });
  });

  it('tags changes inside a block with their xid and leaves ordinary ones as in v1', () => {
    const d = streaming();
    expect(d.decode(bytes().char('S').u32(7).u8(1).build(), AT)).toEqual([{ kind: 'streamStart', xid: 7, firstSegment: true }]);
    d.decode(relation(7), AT);
    const [streamed] = d.decode(insert('1', 8), AT);
    expect(streamed).toMatchObject({ kind: 'insert', xid: 8, after: ['1', null] });
    expect(d.decode(bytes().char('E').build(), AT)).toEqual([{ kind: 'streamStop' }]);
    const [plain] = d.decode(insert('2'), AT);
    expect(plain).toEqual({ kind: 'insert', lsn: AT, relation: d.relation(16400), after: ['2', null] });
    expect(d.decode(bytes().char('c').u32(7).u8(0).u64(0x2000n).u64(0x2030n).i64(1n).build(), AT)).toEqual([
      { kind: 'streamCommit', xid: 7, commitLsn: 0x2000n, endLsn: 0x2030n, commitTimeUs: PG_EPOCH_UNIX_US + 1n },
    ]);
    expect(d.decode(bytes().char('A').u32(7).u32(8).build(), AT)).toEqual([{ kind: 'streamAbort', xid: 7, subXid: 8 }]);
  });

  it('refuses a block inside a block and a Stop outside one', () => {
    const d = streaming();
    d.decode(bytes().char('S').u32(7).u8(1).build(), AT);
    expect(caught(() => d.decode(bytes().char('S').u32(8).u8(1).build(), AT)).message).toMatch(/Stream Start for xid 8 inside an open stream block/);
    expect(caught(() => streaming().decode(bytes().char('E').build(), AT)).message).toMatch(/Stream Stop outside a stream block/);
  });
});

describe('recorded streamed transactions (PostgreSQL 15, logical_decoding_work_mem 64kB)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'walcast-spill-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps exactly the committed rows, in commit order, through a spill on disk', async () => {
    const recorded = loadFixture('streamed');
    const tags = recorded.map((m) => String.fromCharCode(m.data[0]));
    // The recording really holds interleaved blocks, a subtransaction abort and a top-level one.
    expect(tags.filter((t) => t === 'S').length).toBeGreaterThan(2);
    const aborts = recorded.filter((m) => m.data[0] === 0x41).map((m) => decodePgoutputMessage(m.data));
    expect(aborts.some((a) => a.tag === 'streamAbort' && a.subXid !== a.xid)).toBe(true);
    expect(aborts.some((a) => a.tag === 'streamAbort' && a.subXid === a.xid)).toBe(true);

    const store = SpillStore.open(join(dir, 'spill'), 1024); // tiny budget: most changes go to disk
    const txs = new StreamedTransactions(store, createMemoryLogger([]));
    const decoder = createPgoutputDecoder({ publicationNames: ['pgofix_stream_pub'], messages: true, streaming: true });
    const published: Array<{ commitLsn: bigint; id: string }> = [];
    let ordinary: bigint | null = null;
    const idOf = (ev: DataEvent): string => (ev.kind === 'insert' ? String(ev.after[0]) : ev.kind);
    for (const m of recorded) {
      for (const ev of decoder.decode(m.data, m.lsn)) {
        switch (ev.kind) {
          case 'streamStart': txs.start(ev); break;
          case 'streamStop': txs.stop(); break;
          case 'streamAbort': txs.abort(ev); break;
          case 'streamCommit': {
            const tx = txs.commit(ev);
            expect(tx.fileBytes).toBeGreaterThan(0);
            let commitLsn = 0n;
            const done = await replayCommitted(tx, ev, {
              event: (e) => {
                if (e.kind === 'begin') commitLsn = e.finalLsn;
                else if (e.kind !== 'commit' && e.kind !== 'relation' && !e.kind.startsWith('stream')) published.push({ commitLsn, id: idOf(e as DataEvent) });
              },
              full: () => false,
              room: async () => true,
            });
            expect(done).toBe(true);
            break;
          }
          case 'begin': ordinary = ev.finalLsn; break;
          case 'commit': ordinary = null; break;
          case 'relation': break;
          default:
            if (ev.xid !== undefined) txs.data(ev);
            else published.push({ commitLsn: ordinary ?? -1n, id: idOf(ev) });
        }
      }
    }
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
    expect(published.map((p) => p.id)).toEqual([...range(1001, 1300), '2001', ...range(1, 300), ...range(601, 610)]);
    const commits = [...new Set(published.map((p) => p.commitLsn))];
    expect(commits).toHaveLength(3);
    expect([...commits].sort((a, b) => (a < b ? -1 : 1))).toEqual(commits); // commit order
    expect(txs.openCount).toBe(0);
    expect(store.bufferedBytes).toBe(0);
    expect(store.bytesWritten).toBeGreaterThan(64 * 1024);
    txs.close();
  });
});

describe('when the session streams in-progress transactions', () => {
  const config = (source: Record<string, unknown>) => loadConfig({ env: {}, overrides: { name: 'shop', source: { url: 'postgres://u@h/db', ...source } } });

  it('needs pgoutput, source.streamInProgress and PostgreSQL 14 or later', () => {
    expect(streamsInProgress(config({}), 150004)).toBe(true);
    expect(streamsInProgress(config({}), 140000)).toBe(true);
    expect(streamsInProgress(config({}), 130012)).toBe(false);
    expect(streamsInProgress(config({ streamInProgress: false }), 150004)).toBe(false);
    expect(streamsInProgress(config({ plugin: 'wal2json' }), 150004)).toBe(false);
  });

  it('asks the server for proto_version 2 and streaming only then', () => {
    const keys = new Map([['public.t', ['id']]]);
    expect(createDecoder(config({}), [], keys, 150004).startOptions()).toMatch(/^proto_version '2', .*, streaming 'on'$/);
    expect(createDecoder(config({}), [], keys, 130012).startOptions()).toMatch(/^proto_version '1', /);
    expect(createDecoder(config({}), [], keys, 130012).startOptions()).not.toMatch(/streaming/);
  });
});

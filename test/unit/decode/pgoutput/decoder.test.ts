import { isConnectorError } from '../../../../connector/errors';
import type { ChangeEvent } from '../../../../connector/model/change';
import { createPgoutputDecoder, decodePgoutputMessage, formatPgoutputStartOptions } from '../../../../connector/decode/pgoutput';
import { MessageFramer } from '../../../../connector/protocol/framer';
import { lsn } from '../../../../connector/protocol/lsn';
import { PG_EPOCH_UNIX_US } from '../../../../connector/protocol/pg-time';
import { parseCopyData } from '../../../../connector/protocol/replication';
import { bytes } from '../../protocol/bytes';
import { loadFixture } from './fixtures';
import { caught } from '../../../support/caught';

const AT = lsn(0x1000);
const newDecoder = () => createPgoutputDecoder({ publicationNames: ['p'], messages: true });

/** Relation 'R' for OID 16400 public.t (id int4 key, v text). */
const relation = (cols: [string, number, boolean][] = [['id', 23, true], ['v', 25, false]]) => {
  const b = bytes().char('R').u32(16400).cstr('public').cstr('t').char('d').i16(cols.length);
  for (const [n, oid, key] of cols) b.u8(key ? 1 : 0).cstr(n).u32(oid).i32(-1);
  return b.build();
};

describe('startOptions', () => {
  it('quotes each publication as an identifier inside one SQL literal', () => {
    expect(newDecoder().startOptions()).toBe(`proto_version '1', publication_names '"p"', messages 'true'`);
    expect(formatPgoutputStartOptions({ publicationNames: [`We'ird, "Pub"`, 'p2'], messages: false })).toBe(
      `proto_version '1', publication_names '"We''ird, ""Pub""","p2"', messages 'false'`,
    );
  });

  it('needs a publication', () => {
    expect(caught(() => createPgoutputDecoder({ publicationNames: [], messages: false })).code).toBe('CONFIG_INVALID');
  });
});

describe('pgoutput decoder (synthetic bytes)', () => {
  it('converts Begin/Commit times from the PostgreSQL epoch to Unix µs', () => {
    const d = newDecoder();
    expect(d.decode(bytes().char('B').u64(0x2000n).i64(0n).u32(0xfffffffe).build(), AT)).toEqual([
      { kind: 'begin', xid: 0xfffffffe, finalLsn: 0x2000n, commitTimeUs: PG_EPOCH_UNIX_US },
    ]);
    expect(d.decode(bytes().char('C').u8(0).u64(0x2000n).u64(0x2030n).i64(1n).build(), AT)).toEqual([
      { kind: 'commit', commitLsn: 0x2000n, endLsn: 0x2030n, commitTimeUs: PG_EPOCH_UNIX_US + 1n },
    ]);
  });

  it('emits nothing for Type and Origin', () => {
    const d = newDecoder();
    expect(d.decode(bytes().char('Y').u32(90000).cstr('public').cstr('mood').build(), AT)).toEqual([]);
    expect(d.decode(bytes().char('O').u64(5n).cstr('node_a').build(), AT)).toEqual([]);
    expect(decodePgoutputMessage(bytes().char('O').u64(5n).cstr('node_a').build())).toEqual({ tag: 'origin', originLsn: 5n, name: 'node_a' });
  });

  it('names the OID of a row whose relation it has not seen', () => {
    const e = caught(() => newDecoder().decode(bytes().char('I').u32(4294967295).char('N').i16(0).build(), AT));
    expect(e.code).toBe('DECODE');
    expect(e.message).toContain('4294967295');
    expect(e.context.relationOid).toBe(4294967295);
    expect(caught(() => newDecoder().decode(bytes().char('T').i32(1).u8(0).u32(777).build(), AT)).message).toContain('777');
  });

  it('rejects a tuple whose width differs from the cached relation', () => {
    const d = newDecoder();
    d.decode(relation(), AT);
    expect(caught(() => d.decode(bytes().char('I').u32(16400).char('N').i16(1).text('1').build(), AT)).message).toMatch(/1 columns, relation has 2/);
  });

  it('refuses binary columns, unknown column kinds, tags and tuple tags', () => {
    const d = newDecoder();
    d.decode(relation(), AT);
    const insert = (col: Buffer) => bytes().char('I').u32(16400).char('N').i16(2).text('1').raw(col).build();
    expect(caught(() => d.decode(insert(bytes().char('b').i32(1).u8(1).build()), AT)).message).toMatch(/binary/);
    expect(caught(() => d.decode(insert(bytes().char('x').build()), AT)).message).toMatch(/column kind 0x78/);
    expect(caught(() => d.decode(bytes().char('Z').build(), AT)).message).toMatch(/unknown pgoutput message tag 'Z'/);
    expect(caught(() => d.decode(bytes().char('D').u32(16400).char('N').i16(0).build(), AT)).message).toMatch(/tuple tag 'N' in Delete/);
  });

  it('turns a truncated message into DECODE with the reader error as cause and the LSN in context', () => {
    const full = relation();
    const e = caught(() => newDecoder().decode(full.subarray(0, full.length - 3), AT));
    expect(e.code).toBe('DECODE');
    expect(isConnectorError(e.cause, 'PROTOCOL')).toBe(true);
    expect(e.context.lsn).toBe('0/1000');
  });

  it('copies Message content out of the payload', () => {
    const payload = bytes().char('M').u8(0).u64(9n).cstr('pfx').i32(2).raw([7, 8]).build();
    const [ev] = newDecoder().decode(payload, AT);
    payload.fill(0);
    expect(ev).toEqual({ kind: 'message', lsn: AT, transactional: false, prefix: 'pfx', content: Buffer.from([7, 8]) });
  });

  it('keeps the UTF-8 of names and values, and frozen relations', () => {
    const d = newDecoder();
    const [rel] = d.decode(relation([['ключ', 23, true], ['värde ✓', 25, false]]), AT);
    const [ins] = d.decode(bytes().char('I').u32(16400).char('N').i16(2).text('1').text('😀 ü').build(), AT);
    expect(ins).toMatchObject({ kind: 'insert', lsn: AT, after: ['1', '😀 ü'] });
    expect(rel.kind === 'relation' && rel.relation.columns.map((c) => c.name)).toEqual(['ключ', 'värde ✓']);
    expect(rel.kind === 'relation' && Object.isFrozen(rel.relation.columns[0])).toBe(true);
    expect(d.relation(16400)?.table).toBe('t');
  });
});

describe('pgoutput through the framer', () => {
  it('decodes the same events from XLogData frames split at every byte offset', () => {
    const recorded = loadFixture('composite-key');
    const stream = Buffer.concat(recorded.map((m) =>
      bytes().message('d', bytes().char('w').u64(m.lsn).u64(m.lsn).i64(0n).raw(m.data)).build()));
    const decodeSplit = (at: number): string => {
      const d = newDecoder();
      const framer = new MessageFramer();
      const out: ChangeEvent[] = [];
      for (const chunk of [stream.subarray(0, at), stream.subarray(at)]) {
        framer.push(chunk, (_code, payload) => {
          const m = parseCopyData(payload);
          if (m.type === 'xlogdata') out.push(...d.decode(m.data, m.walStart));
        });
      }
      return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    };
    const whole = decodeSplit(stream.length);
    expect(whole).toContain('"uno"');
    for (let i = 0; i < stream.length; i++) {
      if (decodeSplit(i) !== whole) throw new Error(`different events when split at ${i}`);
    }
  });
});

import { isConnectorError } from '../../../connector/errors';
import { lsn, parseLsn } from '../../../connector/protocol/lsn';
import { nowPgMicros } from '../../../connector/protocol/pg-time';
import {
  BackendCode, encodeCopyDone, encodeQuery, encodeStandbyStatus, isXLogData, parseCopyData, parseErrorResponse, xlogData, xlogWalEnd, xlogWalStart,
} from '../../../connector/protocol/replication';
import { bytes } from './bytes';

describe('parseCopyData', () => {
  it("reads XLogData 'w': walStart, walEnd, sendTime, data view", () => {
    const payload = bytes().char('w').u64(parseLsn('16/B374D848')).u64(0x16b374d900n).i64(760_000_000_123_456n).raw('Bxyz').build();
    const m = parseCopyData(payload);
    expect(m).toEqual({
      type: 'xlogdata', walStart: 0x16b374d848n, walEnd: 0x16b374d900n, sendTimeUs: 760_000_000_123_456n, data: Buffer.from('Bxyz'),
    });
  });

  it('the header-only XLogData reads give what parseCopyData gives, and only for a whole header', () => {
    const payload = bytes().char('w').u64(parseLsn('16/B374D848')).u64(0xffffffffffffffffn).i64(1n).raw('Bxyz').build();
    expect(isXLogData(payload)).toBe(true);
    expect(xlogWalStart(payload)).toBe(0x16b374d848n);
    expect(xlogWalEnd(payload)).toBe(0xffffffffffffffffn);
    expect(xlogData(payload)).toEqual(Buffer.from('Bxyz'));
    const empty = bytes().char('w').u64(1n).u64(2n).i64(3n).build();
    expect(isXLogData(empty)).toBe(true);
    expect(xlogData(empty).length).toBe(0);
    // Truncated, or another kind: parseCopyData's turn (it names the problem).
    expect(isXLogData(payload.subarray(0, 24))).toBe(false);
    expect(isXLogData(bytes().char('k').u64(5n).i64(7n).u8(0).raw('0123456789abcdef').build())).toBe(false);
  });

  it('walEnd with walStart given: the same bytes give walStart, a difference in either half is read', () => {
    const same = bytes().char('w').u64(0x16b374d848n).u64(0x16b374d848n).i64(1n).build();
    const start = xlogWalStart(same);
    expect(xlogWalEnd(same, start)).toBe(start);
    // Differs only in the high half, or only in the low half: read, not reused.
    const high = bytes().char('w').u64(0x16b374d848n).u64(0x17b374d848n).i64(1n).build();
    expect(xlogWalEnd(high, xlogWalStart(high))).toBe(0x17b374d848n);
    const low = bytes().char('w').u64(0x16b374d848n).u64(0x16b374d849n).i64(1n).build();
    expect(xlogWalEnd(low, xlogWalStart(low))).toBe(0x16b374d849n);
    // A walStart from another message is never returned for bytes that differ from it.
    expect(xlogWalEnd(low, lsn(0x16b374d849n))).toBe(0x16b374d849n);
  });

  it("reads keepalive 'k' with and without reply requested", () => {
    expect(parseCopyData(bytes().char('k').u64(0xffffffffffffffffn).i64(-1n).u8(1).build())).toEqual({
      type: 'keepalive', walEnd: 0xffffffffffffffffn, sendTimeUs: -1n, replyRequested: true,
    });
    expect(parseCopyData(bytes().char('k').u64(5n).i64(7n).u8(0).build())).toMatchObject({ replyRequested: false });
  });

  it('rejects unknown kinds and truncated payloads as PROTOCOL errors', () => {
    for (const bad of [bytes().char('x').build(), bytes().char('k').u64(1n).build(), Buffer.alloc(0)]) {
      let err: unknown;
      try {
        parseCopyData(bad);
      } catch (e) {
        err = e;
      }
      expect(isConnectorError(err, 'PROTOCOL')).toBe(true);
    }
  });
});

describe('encodeStandbyStatus', () => {
  it('lays out d, length 38, r, written, flushed, applied, clock, reply, field by field', () => {
    const clock = nowPgMicros(1_700_000_000_000);
    const b = encodeStandbyStatus(lsn(0x100), lsn(0x0102030405060708n), lsn(0xfffffffffffffffen), clock, true);
    expect(b.length).toBe(39);
    expect(String.fromCharCode(b[0])).toBe('d');
    expect(b.readInt32BE(1)).toBe(38);
    expect(String.fromCharCode(b[5])).toBe('r');
    expect(b.readBigUInt64BE(6)).toBe(0x100n);
    expect(b.subarray(14, 22).toString('hex')).toBe('0102030405060708');
    expect(b.readBigUInt64BE(22)).toBe(0xfffffffffffffffen);
    expect(b.readBigInt64BE(30)).toBe(753_315_200_000_000n); // 2023-11-14T22:13:20Z in µs since 2000-01-01
    expect(b[38]).toBe(1);
    expect(encodeStandbyStatus(lsn(0), lsn(0), lsn(0), 0n, false)[38]).toBe(0);
  });
});

describe('frontend messages', () => {
  it('encodes Query, CopyDone', () => {
    expect(encodeQuery('IDENTIFY_SYSTEM')).toEqual(bytes().message('Q', bytes().cstr('IDENTIFY_SYSTEM')).build());
    expect(encodeQuery('SELECT \'ü\'')).toEqual(bytes().char('Q').i32(4 + 11 + 1).cstr("SELECT 'ü'").build());
    expect(encodeCopyDone()).toEqual(Buffer.from('6300000004', 'hex'));
  });
});

describe('ErrorResponse / NoticeResponse', () => {
  const payload = bytes()
    .char('S').cstr('FEHLER').char('V').cstr('ERROR').char('C').cstr('42704')
    .char('M').cstr('replication slot "x" does not exist').char('D').cstr('some detail').char('H').cstr('a hint')
    .char('F').cstr('slot.c').char('L').cstr('123').u8(0).build();

  it('reads the fields it knows, prefers the non-localized severity, ignores the rest', () => {
    expect(parseErrorResponse(payload)).toEqual({
      severity: 'ERROR', code: '42704', message: 'replication slot "x" does not exist', detail: 'some detail', hint: 'a hint',
    });
    const notice = bytes().char('S').cstr('NOTICE').char('C').cstr('00000').char('M').cstr('hi').u8(0).build();
    expect(parseErrorResponse(notice)).toEqual({ severity: 'NOTICE', code: '00000', message: 'hi' });
  });

  it('needs the terminating zero byte', () => {
    expect(() => parseErrorResponse(bytes().char('M').cstr('x').build())).toThrow();
  });
});

describe('backend codes', () => {
  it('has the backend codes', () => {
    expect(Object.fromEntries(Object.entries(BackendCode).map(([k, v]) => [k, String.fromCharCode(v)]))).toEqual({
      CopyBothResponse: 'W', CopyData: 'd', CopyDone: 'c', CommandComplete: 'C', ReadyForQuery: 'Z',
      ErrorResponse: 'E', NoticeResponse: 'N', ParameterStatus: 'S', RowDescription: 'T', DataRow: 'D',
    });
  });
});

/**
 * Streaming-replication messages (sans-IO): what travels inside CopyData once
 * START_REPLICATION has put the connection in CopyBoth mode, plus the few frontend messages
 * the replication connection sends. All integers are big-endian; LSNs are uint64; times are
 * microseconds since the PostgreSQL epoch (2000-01-01, see pg-time.ts), left unconverted here.
 */
import { ConnectorError } from '../errors';
import type { Lsn } from './lsn';
import { BufferReader } from './reader';
import { BufferWriter } from './writer';

/** Backend message codes the replication connection handles. */
export const BackendCode = {
  CopyBothResponse: 0x57, // 'W'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CommandComplete: 0x43, // 'C'
  ReadyForQuery: 0x5a, // 'Z'
  ErrorResponse: 0x45, // 'E'
  NoticeResponse: 0x4e, // 'N'
  ParameterStatus: 0x53, // 'S'
  RowDescription: 0x54, // 'T'
  DataRow: 0x44, // 'D'
} as const;
export type BackendCode = (typeof BackendCode)[keyof typeof BackendCode];

/** Frontend message codes sent by the replication connection. */
export const FrontendCode = {
  Query: 0x51, // 'Q'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  Terminate: 0x58, // 'X'
} as const;

/** First byte inside CopyData. */
export const CopyDataKind = {
  XLogData: 0x77, // 'w' backend -> frontend
  PrimaryKeepalive: 0x6b, // 'k' backend -> frontend
  StandbyStatusUpdate: 0x72, // 'r' frontend -> backend
} as const;

export type CopyPayload =
  | { type: 'xlogdata'; walStart: Lsn; walEnd: Lsn; sendTimeUs: bigint; data: Buffer }
  | { type: 'keepalive'; walEnd: Lsn; sendTimeUs: bigint; replyRequested: boolean };

/** XLogData's header: kind, walStart, walEnd, sendTime. */
export const XLOGDATA_HEADER_BYTES = 25;

/**
 * The hot path's reading of an XLogData payload, one field at a time and nothing allocated but
 * the LSNs: parseCopyData's result object, its reader and the send time (a third bigint the
 * connector never reads) were a sixth of the streaming garbage, one set per WAL message.
 * isXLogData first: it also checks the header is whole, so the reads below cannot run past it;
 * anything else goes to parseCopyData, whose errors name what is wrong.
 */
export const isXLogData = (payload: Buffer): boolean =>
  payload.length >= XLOGDATA_HEADER_BYTES && payload[0] === CopyDataKind.XLogData;
export const xlogWalStart = (payload: Buffer): Lsn => payload.readBigUInt64BE(1) as Lsn;
/**
 * walEnd; given walStart, that same bigint when the two fields hold the same bytes. A logical
 * walsender writes one LSN into both (WalSndPrepareWrite in walsender.c), so a WAL message costs
 * one bigint instead of two.
 */
export function xlogWalEnd(payload: Buffer, walStart?: Lsn): Lsn {
  if (walStart !== undefined && payload.readUInt32BE(1) === payload.readUInt32BE(9) && payload.readUInt32BE(5) === payload.readUInt32BE(13)) return walStart;
  return payload.readBigUInt64BE(9) as Lsn;
}
/** The WAL data: a view into `payload`, as parseCopyData's `data`. */
export const xlogData = (payload: Buffer): Buffer => payload.subarray(XLOGDATA_HEADER_BYTES);

/**
 * XLogData:          Byte1('w') Int64 walStart  Int64 walEnd  Int64 sendTime  Byte(n) data
 * Primary keepalive: Byte1('k') Int64 walEnd    Int64 sendTime Byte1 replyRequested (1 = now)
 * sendTime: µs since the PostgreSQL epoch (field named sendTimeUs, not converted).
 * `data` is a view into `payload`: copy it if it must outlive the framer callback.
 */
export function parseCopyData(payload: Buffer): CopyPayload {
  const r = new BufferReader(payload);
  const kind = r.uint8();
  if (kind === CopyDataKind.XLogData) {
    const walStart = r.uint64() as Lsn;
    const walEnd = r.uint64() as Lsn;
    const sendTimeUs = r.int64();
    return { type: 'xlogdata', walStart, walEnd, sendTimeUs, data: r.rest() };
  }
  if (kind === CopyDataKind.PrimaryKeepalive) {
    const walEnd = r.uint64() as Lsn;
    const sendTimeUs = r.int64();
    const replyRequested = r.uint8() === 1;
    return { type: 'keepalive', walEnd, sendTimeUs, replyRequested };
  }
  throw new ConnectorError('PROTOCOL', `unknown CopyData message '${String.fromCharCode(kind)}' (0x${kind.toString(16)})`, {
    context: { copyDataKind: kind },
  });
}

/**
 * Standby status update, returned as the complete frontend CopyData message:
 *   Byte1('d') Int32 38
 *   Byte1('r') Int64 written  Int64 flushed  Int64 applied  Int64 clock  Byte1 replyRequested
 * written/flushed/applied are "the location of the last WAL byte + 1" received, durably
 * flushed, and applied; for logical slots the server advances confirmed_flush_lsn from `flushed`.
 * clock: µs since the PostgreSQL epoch (see nowPgMicros in pg-time.ts).
 */
export function encodeStandbyStatus(written: Lsn, flushed: Lsn, applied: Lsn, clockPgUs: bigint, replyRequested: boolean): Buffer {
  return new BufferWriter(34)
    .uint8(CopyDataKind.StandbyStatusUpdate)
    .uint64(written)
    .uint64(flushed)
    .uint64(applied)
    .int64(clockPgUs)
    .uint8(replyRequested ? 1 : 0)
    .frame(FrontendCode.CopyData);
}

/** Simple query: Byte1('Q') Int32 len String query. */
export function encodeQuery(sql: string): Buffer {
  return new BufferWriter(sql.length + 1).cstring(sql).frame(FrontendCode.Query);
}

/** Byte1('c') Int32 4: ends our half of CopyBoth; the server answers CopyDone, CommandComplete, ReadyForQuery. */
export function encodeCopyDone(): Buffer {
  return new BufferWriter(0).frame(FrontendCode.CopyDone);
}

export interface ServerNotice {
  /** Non-localized severity ('V', PG >= 9.6) when present, else the localized one ('S'). */
  severity: string;
  /** SQLSTATE ('C'). */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/**
 * ErrorResponse / NoticeResponse payload: repeated { Byte1 fieldType, String value },
 * terminated by a single zero byte. Unknown field types must be ignored (protocol rule).
 * Types used: S severity (localized), V severity, C SQLSTATE, M message, D detail, H hint.
 */
export function parseErrorResponse(payload: Buffer): ServerNotice {
  const r = new BufferReader(payload);
  let severity = '';
  let localizedSeverity = '';
  let code = '';
  let message = '';
  let detail: string | undefined;
  let hint: string | undefined;
  for (;;) {
    const type = r.uint8();
    if (type === 0) break;
    const value = r.cstring();
    switch (type) {
      case 0x56: severity = value; break; // 'V'
      case 0x53: localizedSeverity = value; break; // 'S'
      case 0x43: code = value; break; // 'C'
      case 0x4d: message = value; break; // 'M'
      case 0x44: detail = value; break; // 'D'
      case 0x48: hint = value; break; // 'H'
      default: break;
    }
  }
  const out: ServerNotice = { severity: severity || localizedSeverity, code, message };
  if (detail !== undefined) out.detail = detail;
  if (hint !== undefined) out.hint = hint;
  return out;
}

/**
 * wal2json's "timestamp" is the transaction's commit time printed by timestamptz_to_str(): always
 * ISO style `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]` (trailing zeros of the fraction dropped,
 * ` BC` appended before year 1), in the walsender session's TimeZone, e.g.
 * `2026-11-21 18:56:38.18677+05:30`. This turns it back into µs since the Unix epoch, the same
 * value pgoutput's Begin/Commit give (they carry µs since 2000-01-01; see protocol/pg-time.ts).
 */
import { ConnectorError } from '../../errors';

const TS = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?$/;

export function parseCommitTimestamp(text: string): bigint {
  const m = TS.exec(text);
  if (m === null) throw new ConnectorError('DECODE', `unrecognised wal2json timestamp ${JSON.stringify(text)}`);
  let year = Number(m[1]);
  if (m[12] !== undefined) year = 1 - year; // 1 BC is astronomical year 0
  const d = new Date(0);
  d.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  const fracUs = m[7] === undefined ? 0n : BigInt(m[7].padEnd(6, '0'));
  const offsetS = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * (m[8] === '-' ? -1 : 1);
  return BigInt(d.getTime()) * 1000n + fracUs - BigInt(offsetS) * 1_000_000n;
}

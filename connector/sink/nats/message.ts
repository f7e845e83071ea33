/**
 * SinkRecord -> JetStream message headers.
 *
 * - `Nats-Msg-Id`: record.id (`<commit_lsn>:<index>`); JetStream drops a second copy within the
 *   stream's duplicate window and acks it as duplicate.
 * - every entry of record.headers verbatim (e.g. `walcast-op`).
 * - `walcast-key`: the serialized key as text (for the JSON serializer, the key's JSON, e.g.
 *   `{"id":42}`); absent when the table has no key. NATS header values cannot hold CR/LF: they are
 *   replaced by spaces, which is whitespace to JSON (inside JSON strings they are escaped already).
 *   A key that is not printable UTF-8 (a binary serializer) goes base64-encoded, flagged by
 *   `walcast-key-encoding: base64`.
 */
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { SinkRecord } from '../../model/record';

export const MSG_ID_HEADER = 'Nats-Msg-Id';
export const KEY_HEADER = 'walcast-key';
export const KEY_ENCODING_HEADER = 'walcast-key-encoding';

export function recordHeaders(record: SinkRecord): MsgHdrs {
  // A fresh set of headers: append is set without the search for an earlier value.
  const h = headers();
  h.append(MSG_ID_HEADER, record.id);
  if (record.headers !== undefined) {
    for (const k in record.headers) h.append(k, oneLine(record.headers[k]!));
  }
  if (record.key !== null) {
    const text = printableUtf8(record.key);
    if (text !== null) {
      h.append(KEY_HEADER, oneLine(text));
    } else {
      h.append(KEY_HEADER, record.key.toString('base64'));
      h.append(KEY_ENCODING_HEADER, 'base64');
    }
  }
  return h;
}

/** CR and LF (which header values cannot hold) as spaces. */
function oneLine(v: string): string {
  return v.includes('\n') || v.includes('\r') ? v.replace(/[\r\n]/g, ' ') : v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The buffer as text when it is valid UTF-8 without control characters other than whitespace
 * (TAB, LF, CR). Control characters are single bytes in UTF-8 (every byte of a multi-byte
 * sequence is >= 0x80), so one byte scan finds them; an all-ASCII buffer needs no decoder.
 */
function printableUtf8(buf: Buffer): string | null {
  let ascii = true;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b < 0x20) {
      if (b !== 0x09 && b !== 0x0a && b !== 0x0d) return null;
    } else if (b === 0x7f) {
      return null;
    } else if (b >= 0x80) {
      ascii = false;
    }
  }
  if (ascii) return buf.toString('latin1');
  try { return utf8.decode(buf); } catch { return null; }
}

/**
 * bytea and bit strings.
 *
 * bytea text is '\x' + lowercase hex (bytea_output=hex, the default since 9.0); the older escape
 * form (printable bytes as-is, '\\' for a backslash, '\ooo' octal) is read too.
 * Debezium binary.handling.mode: bytes (default; the JSON converter writes bytes as base64),
 * base64, base64-url-safe (Java's Base64.getUrlEncoder(): '-' and '_', padding kept), hex.
 */
import type { BinaryHandling } from '../options';
import type { Converter } from './types';
import { badValue } from './fail';

export function parseBytea(text: string): Buffer {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2);
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return badValue('bytea', text);
    return Buffer.from(hex, 'hex');
  }
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) {
      out.push(c);
    } else if (text[i + 1] === '\\') {
      out.push(0x5c);
      i++;
    } else if (/^[0-3][0-7]{2}$/.test(text.slice(i + 1, i + 4))) {
      out.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      return badValue('bytea', text);
    }
  }
  return Buffer.from(out);
}

export function encodeBinary(bytes: Buffer, mode: BinaryHandling): string {
  switch (mode) {
    case 'bytes':
    case 'base64':
      return bytes.toString('base64');
    case 'base64-url-safe':
      return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    case 'hex':
      return bytes.toString('hex');
  }
}

export function makeByteaConverter(mode: BinaryHandling): Converter {
  return (text) => encodeBinary(parseBytea(text), mode);
}

/**
 * bit(1) -> boolean. bit(n > 1) and varbit -> io.debezium.data.Bits: the bit string read as a
 * binary number (first character most significant), written little-endian in as few bytes as
 * the highest set bit needs (Debezium sizes them by BitSet.length(), so all-zero bits are zero
 * bytes), which the JSON converter writes as base64 (binary.handling.mode does not apply).
 */
export function makeBitConverter(typeOid: number, typeMod: number): Converter {
  if (typeOid === 1560 && typeMod === 1) return (text) => text === '1';
  return (text) => {
    if (!/^[01]*$/.test(text)) return badValue('bit', text);
    let v = text === '' ? 0n : BigInt('0b' + text);
    const bytes: number[] = [];
    while (v > 0n) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
    }
    return Buffer.from(bytes).toString('base64');
  };
}

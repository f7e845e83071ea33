/**
 * The messages a connection opens with (sans-IO), before the Byte1-code framing of everything
 * after: SSLRequest and StartupMessage are Int32 length + Int32 code + body, with no code byte.
 */
import { BufferWriter } from './writer';

/** SSLRequest: length 8, code 80877103. The server answers one byte: 'S' (TLS follows) or 'N'. */
export const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
export const SSL_ACCEPTED = 0x53; // 'S'
export const SSL_DECLINED = 0x4e; // 'N'

/** The backend's authentication request ('R'): its first Int32 is 0 (AuthenticationOk) or the method asked for. */
export const AUTHENTICATION_REQUEST = 0x52;

/** Protocol 3.0. */
const PROTOCOL_VERSION = 196608;

/** StartupMessage: length, protocol version, then name/value string pairs and a closing NUL. */
export function encodeStartupMessage(params: Readonly<Record<string, string>>): Buffer {
  const w = new BufferWriter(64).int32(0).int32(PROTOCOL_VERSION);
  for (const [name, value] of Object.entries(params)) w.cstring(name).cstring(value);
  return w.uint8(0).patchUint32(0, w.length).toBuffer();
}

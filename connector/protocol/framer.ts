/**
 * Splits the backend byte stream into messages. Every backend message after the startup phase
 * is Byte1 code + Int32 length + payload, where the length counts itself (4 bytes) but not the
 * code byte, so payload size = length - 4 and the smallest legal length is 4.
 *
 * Zero-copy on the fast path: a message lying wholly inside the pushed chunk is handed out as a
 * `subarray` view of that chunk. Only a message straddling chunk boundaries is copied, into a
 * buffer sized exactly for it once its header is known. The framer keeps no reference to a
 * chunk after `push` returns.
 *
 * CALLERS MUST COPY what they keep: the payload passed to `onMessage` is valid only during the
 * callback (it may be a view into a socket chunk that Node reuses or that the caller recycles).
 *
 * If `onMessage` throws, the exception propagates and the rest of that chunk is not framed:
 * treat the stream as dead and discard the framer.
 */
import { ConnectorError } from '../errors';

const HEADER = 5;
/** PostgreSQL never sends a message larger than its 1 GB allocation limit. */
const DEFAULT_MAX_MESSAGE = 0x40000000;

export type MessageHandler = (code: number, payload: Buffer) => void;

export class MessageFramer {
  /** Header bytes of a straddling message (code + length). */
  private readonly head = Buffer.alloc(HEADER);
  private headFill = 0;
  private code = 0;
  /** Payload of a straddling message once its header is complete. */
  private body: Buffer | null = null;
  private bodyFill = 0;

  constructor(private readonly maxMessageSize: number = DEFAULT_MAX_MESSAGE) {}

  /** Bytes held for an incomplete message (0 at every message boundary). */
  get buffered(): number {
    return this.headFill + this.bodyFill;
  }

  push(chunk: Buffer, onMessage: MessageHandler): void {
    const size = chunk.length;
    let off = 0;
    if (this.headFill > 0) {
      off = this.fillPartial(chunk, 0, onMessage);
      if (this.headFill > 0) return; // chunk used up, message still incomplete
    }
    // Fast path: whole messages inside this chunk are views.
    while (size - off >= HEADER) {
      const length = chunk.readInt32BE(off + 1);
      this.checkLength(length, chunk[off]);
      const end = off + 1 + length;
      if (end > size) break;
      onMessage(chunk[off], chunk.subarray(off + HEADER, end));
      off = end;
    }
    if (off < size) this.fillPartial(chunk, off, onMessage);
  }

  /** Copies bytes of a straddling message from `chunk[off..]`; emits it when complete. */
  private fillPartial(chunk: Buffer, off: number, onMessage: MessageHandler): number {
    const size = chunk.length;
    if (this.body === null) {
      const n = Math.min(HEADER - this.headFill, size - off);
      chunk.copy(this.head, this.headFill, off, off + n);
      this.headFill += n;
      off += n;
      if (this.headFill < HEADER) return off;
      this.code = this.head[0];
      const length = this.head.readInt32BE(1);
      this.checkLength(length, this.code);
      this.body = Buffer.allocUnsafe(length - 4);
      this.bodyFill = 0;
    }
    const body = this.body;
    const n = Math.min(body.length - this.bodyFill, size - off);
    chunk.copy(body, this.bodyFill, off, off + n);
    this.bodyFill += n;
    off += n;
    if (this.bodyFill === body.length) {
      const code = this.code;
      this.body = null;
      this.headFill = 0;
      this.bodyFill = 0;
      onMessage(code, body);
    }
    return off;
  }

  private checkLength(length: number, code: number): void {
    if (length < 4 || length > this.maxMessageSize) {
      throw new ConnectorError('PROTOCOL', `invalid length ${length} for backend message '${String.fromCharCode(code)}'`, {
        context: { messageCode: code, length },
      });
    }
  }
}

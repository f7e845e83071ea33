/**
 * JetStream publishes awaiting their PubAck, on the core connection's public API: one reply
 * subscription (`<inbox>.*`) for every ack, one timer for every timeout.
 *
 * Why not `JetStreamClient.publish`: per message it is a core request, which costs an options
 * copy, a deferred, a request object with its own timer, a mux-table entry, a promise chain of
 * four awaits and (in @nats-io 3.4, even with noAsyncTraces) an `Error` with a stack capture
 * when the finished request is "cancelled". That was about half of walcast's CPU in the NATS
 * bench. What JetStream sees is the same: an HPUB to the subject with a reply inbox and the
 * `Nats-Msg-Id` header; the server answers on the inbox with the PubAck (or an API error, or a
 * 503 status when no stream listens).
 *
 * Order: `publish` hands the message to the connection synchronously, so the wire order is the
 * call order, exactly as with the client's requests. Acks may complete out of order.
 *
 * Results are delivered through a callback (no promise per message); every publish gets exactly
 * one: the PubAck, an error from the ack, a TimeoutError after `timeoutMs` (a late ack is then
 * ignored, as the client does), or the error passed to `failAll` (connection lost or closed).
 */
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import { createInbox, NoRespondersError, TimeoutError, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export type PubAckCallback = (error: Error | null, duplicate: boolean) => void;

interface Pending { readonly token: number; readonly subject: string; readonly deadline: number; done: PubAckCallback | null }

interface PubAckJson {
  readonly stream?: string;
  readonly duplicate?: boolean;
  readonly error?: { readonly code: number; readonly err_code: number; readonly description: string };
}

export class JetStreamPublisher {
  private readonly prefix: string;
  private readonly sub: Subscription;
  /** Awaiting their ack, by token. */
  private readonly pending = new Map<number, Pending>();
  /** The same entries in publish order (deadline order): the timer looks at the oldest only. */
  private order: Pending[] = [];
  private orderHead = 0;
  private nextToken = 0;
  private timer: NodeJS.Timeout | null = null;
  private failure: Error | null = null;

  constructor(private readonly nc: NatsConnection, private readonly timeoutMs: number) {
    this.prefix = createInbox();
    this.sub = nc.subscribe(`${this.prefix}.*`, { callback: (err, msg) => this.onReply(err, msg) });
    const closed = (): void => this.failAll(new Error('nats reply subscription closed'));
    void this.sub.closed.then(closed, closed);
  }

  /** In flight: published, no result delivered yet. */
  get inFlight(): number { return this.pending.size; }

  /**
   * Publishes `data` with `headers` (which must carry the Nats-Msg-Id) to `subject`; `done` is
   * called exactly once, never synchronously.
   */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs, done: PubAckCallback): void {
    if (this.failure !== null) { const e = this.failure; queueMicrotask(() => done(e, false)); return; }
    const token = this.nextToken++;
    try {
      this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      queueMicrotask(() => done(err, false));
      return;
    }
    const p: Pending = { token, subject, deadline: Date.now() + this.timeoutMs, done };
    this.pending.set(token, p);
    if (this.orderHead >= 1024 && this.orderHead * 2 >= this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderHead = 0;
    }
    this.order.push(p);
    // Invariant: while anything is pending a timer is armed (expire re-arms it for the oldest).
    if (this.pending.size === 1 && this.timer === null) this.timer = setTimeout(this.expire, this.timeoutMs);
  }

  /** Delivers `error` to everything in flight and to every later publish; unsubscribes. */
  failAll(error: Error): void {
    if (this.failure === null) this.failure = error;
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    const all = [...this.pending.values()];
    this.pending.clear();
    this.order = [];
    this.orderHead = 0;
    for (const p of all) this.finish(p, this.failure, false);
    if (!this.sub.isClosed()) {
      try { this.sub.unsubscribe(); } catch { /* the connection is closed already */ }
    }
  }

  private onReply(err: Error | null, msg: Msg): void {
    if (err !== null) { this.failAll(err); return; }
    const token = Number(msg.subject.slice(this.prefix.length + 1));
    const p = this.pending.get(token);
    if (p === undefined) return; // timed out or failed already: its result was delivered
    this.pending.delete(token);
    let error: Error | null = null;
    let duplicate = false;
    try {
      duplicate = parsePubAck(msg, p.subject);
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
    this.finish(p, error, duplicate);
  }

  /** Times out every entry past its deadline (they are in publish order), then re-arms. */
  private readonly expire = (): void => {
    this.timer = null;
    const now = Date.now();
    for (;;) {
      this.skipSettled();
      const p = this.order[this.orderHead];
      if (p === undefined || p.deadline > now) break;
      this.pending.delete(p.token);
      this.finish(p, new TimeoutError(), false);
    }
    if (this.timer === null && this.pending.size > 0) {
      this.skipSettled();
      const oldest = this.order[this.orderHead];
      this.timer = setTimeout(this.expire, oldest === undefined ? this.timeoutMs : Math.max(1, oldest.deadline - now));
    }
  };

  private skipSettled(): void {
    while (this.orderHead < this.order.length && this.order[this.orderHead]!.done === null) this.orderHead++;
  }

  /** The caller has removed `p` from `pending`. */
  private finish(p: Pending, error: Error | null, duplicate: boolean): void {
    const done = p.done;
    if (done === null) return;
    p.done = null;
    if (this.pending.size === 0) {
      this.order = [];
      this.orderHead = 0;
      if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    } else {
      this.skipSettled();
    }
    done(error, duplicate);
  }
}

const ACK_PREFIX = Buffer.from('{"stream":"');
const ERROR_KEY = Buffer.from('"error"');
const DUPLICATE_KEY = Buffer.from('"duplicate"');
const QUOTE = 0x22;
const COLON = 0x3a;
const T = 0x74;
const F = 0x66;

/**
 * The PubAck's `duplicate` flag; throws what `JetStreamClient.publish` would for a failed one.
 *
 * Fast path, for the one answer nearly every publish gets: `{"stream":"<non-empty>",...}` with no
 * `"error"` key is a stored message, a duplicate when its `"duplicate"` key is `true` (the server
 * writes `"duplicate": true`, with a space). Byte searches are exact here because inside a JSON
 * string every `"` is escaped: `"error"` and `"duplicate"` can only be keys. Anything else is
 * parsed in full.
 */
function parsePubAck(msg: Msg, subject: string): boolean {
  const data = msg.data;
  if (data.length === 0) {
    const code = msg.headers?.code ?? 0;
    if (code === 503) throw new NoRespondersError(subject);
    throw new JetStreamError(`nats publish to "${subject}" answered with status ${code} ${msg.headers?.description ?? ''}`.trim());
  }
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length > ACK_PREFIX.length && buf[ACK_PREFIX.length] !== QUOTE
    && buf.compare(ACK_PREFIX, 0, ACK_PREFIX.length, 0, ACK_PREFIX.length) === 0 && buf.indexOf(ERROR_KEY) < 0) {
    const key = buf.indexOf(DUPLICATE_KEY);
    if (key < 0) return false;
    let i = skipSpace(buf, key + DUPLICATE_KEY.length);
    if (buf[i] === COLON) {
      i = skipSpace(buf, i + 1);
      if (buf[i] === T) return true;
      if (buf[i] === F) return false;
    }
    // Not the shape we know: parse it.
  }
  const ack = msg.json<PubAckJson>();
  if (ack.error !== undefined) throw new JetStreamApiError(ack.error);
  if (typeof ack.stream !== 'string' || ack.stream === '') throw new JetStreamError('invalid ack response');
  return ack.duplicate === true;
}

function skipSpace(buf: Buffer, i: number): number {
  while (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d) i++;
  return i;
}

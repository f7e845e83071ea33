/**
 * The stdout sink (`walcast tail`, `sink.type: stdout`): one JSON line per record,
 *   {"topic":"shop.public.orders","id":"0/16B3748:0","op":"c","key":{"id":42},"value":{...envelope...}}
 * `op` (the envelope's op, also on a delete's tombstone) lets `| jq -c .op` follow the stream.
 * The key and value buffers are already JSON texts (JSON serializer); they are embedded verbatim,
 * not parsed and re-serialized, so int8/numeric text survives byte for byte. null stays null
 * (tombstone / keyless table). A record is acked once its line was handed to the stream, waiting
 * for 'drain' whenever write() reports backpressure.
 */
import { ConnectorError } from '../../errors';
import { Sink } from '../port';
import { SinkRecord } from '../../model/record';

export interface StdoutSinkDeps { readonly out: NodeJS.WritableStream }

const NULL = Buffer.from('null');

export function recordLine(r: SinkRecord): Buffer {
  const op = r.headers?.op;
  const head = `{"topic":${JSON.stringify(r.topic)},"id":${JSON.stringify(r.id)}${op === undefined ? '' : `,"op":${JSON.stringify(op)}`},"key":`;
  return Buffer.concat([Buffer.from(head), oneLine(r.key), Buffer.from(',"value":'), oneLine(r.value), Buffer.from('}\n')]);
}

/** JSON allows raw CR/LF only as whitespace between tokens, so a space keeps it one line. */
function oneLine(b: Buffer | null): Buffer {
  if (b === null) return NULL;
  if (!b.includes(0x0a) && !b.includes(0x0d)) return b;
  const copy = Buffer.from(b);
  for (let i = 0; i < copy.length; i++) if (copy[i] === 0x0a || copy[i] === 0x0d) copy[i] = 0x20;
  return copy;
}

/** EPIPE: the reader exited (`| head`). A stream closed without any error counts the same. */
function readerGone(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
  return code === 'EPIPE' || (e instanceof Error && e.message === OUTPUT_CLOSED);
}

const OUTPUT_CLOSED = 'output closed';

export function createStdoutSink(deps: StdoutSinkDeps): Sink {
  const out = deps.out;
  let failure: Error | null = null;
  let started = false;
  // Writes are chained so concurrent publish() calls keep their order on the stream.
  let tail: Promise<void> = Promise.resolve();
  // The first error says what happened; writes after it only add ERR_STREAM_DESTROYED.
  const onError = (e: Error) => { failure ??= e; };

  const waitDrain = () => new Promise<void>((resolve, reject) => {
    const done = (e?: Error) => { out.off('drain', ok); out.off('error', done); out.off('close', closed); if (e) reject(e); else resolve(); };
    const ok = () => done();
    const closed = () => done(new Error(OUTPUT_CLOSED));
    out.once('drain', ok);
    out.once('error', done);
    out.once('close', closed);
  });

  const writeAll = async (records: readonly SinkRecord[]) => {
    for (const r of records) {
      if (failure !== null) throw failure;
      if (!out.write(recordLine(r))) await waitDrain();
    }
  };

  return {
    type: 'stdout',
    async start() { if (!started) { started = true; out.on('error', onError); } },
    async ensureTopics() { /* nothing to create */ },
    publish(records) {
      const p = tail.then(() => writeAll(records));
      tail = p.catch(() => undefined);
      return p.catch((e: unknown) => {
        if (readerGone(failure ?? e)) {
          // Like `pg_recvlogical | head`: the reader is done. Not retriable (a restart would
          // only hit the closed pipe again, forever); nothing unprinted is acknowledged, so the
          // slot keeps it. The CLI turns the same event into a clean stop (cli/io.ts).
          throw new ConnectorError('ABORTED', 'stdout was closed by its reader', { cause: e });
        }
        throw new ConnectorError('SINK_SEND', `stdout write failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      });
    },
    async stop() {
      await tail;
      out.off('error', onError);
    },
  };
}

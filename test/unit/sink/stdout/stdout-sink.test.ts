import { PassThrough } from 'node:stream';
import { createStdoutSink } from '../../../../connector/sink/stdout';
import { isConnectorError } from '../../../../connector/errors';

function rec(i: number, value: string | null = `{"n":${i},"big":12345678901234567890}`) {
  return { topic: 'shop.public.orders', id: `0/10:${i}`, key: Buffer.from(`{"id":${i}}`), value: value === null ? null : Buffer.from(value) };
}

describe('stdout sink', () => {
  it('writes one JSON line per record, embedding key and value verbatim', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const sink = createStdoutSink({ out });
    await sink.start();
    await sink.publish([rec(1), rec(2, null), { topic: 'a.b.c', id: 'x', key: null, value: Buffer.from('{"v":"a\\nb"}') },
      { topic: 'a.b.c', id: 'y', key: null, value: Buffer.from('{"op":"c"}'), headers: { op: 'c' } }]);
    await sink.stop();
    const text = Buffer.concat(chunks).toString();
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(4);
    // The bigint stays byte-exact: no parse/stringify round trip.
    expect(lines[0]).toBe('{"topic":"shop.public.orders","id":"0/10:1","key":{"id":1},"value":{"n":1,"big":12345678901234567890}}');
    expect(JSON.parse(lines[1])).toEqual({ topic: 'shop.public.orders', id: '0/10:2', key: { id: 2 }, value: null });
    expect(JSON.parse(lines[2])).toEqual({ topic: 'a.b.c', id: 'x', key: null, value: { v: 'a\nb' } });
    // The op header is repeated at the top so `jq -c .op` follows the stream.
    expect(lines[3]).toBe('{"topic":"a.b.c","id":"y","op":"c","key":null,"value":{"op":"c"}}');
  });

  it('waits for drain under backpressure and keeps the order of concurrent calls', async () => {
    const out = new PassThrough({ highWaterMark: 64 });
    const sink = createStdoutSink({ out });
    await sink.start();
    let firstDone = false;
    const first = sink.publish([rec(1), rec(2), rec(3)]).then(() => { firstDone = true; });
    const second = sink.publish([rec(4)]);
    // Nobody reads yet: the buffer is above its high-water mark, so the first call cannot finish.
    await new Promise((r) => setImmediate(r));
    expect(firstDone).toBe(false);
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await Promise.all([first, second]);
    const ids = Buffer.concat(chunks).toString().trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toEqual(['0/10:1', '0/10:2', '0/10:3', '0/10:4']);
  });

  it('rejects with SINK_SEND when the output fails', async () => {
    const out = new PassThrough({ highWaterMark: 8 });
    const sink = createStdoutSink({ out });
    await sink.start();
    const p = sink.publish([rec(1), rec(2)]);
    out.destroy(new Error('disk full'));
    const err: unknown = await p.then(() => null, (e: unknown) => e);
    expect(isConnectorError(err, 'SINK_SEND')).toBe(true);
  });

  it('a reader that went away (EPIPE) is ABORTED, not retriable: the pipeline must not loop on it', async () => {
    const out = new PassThrough({ highWaterMark: 8 });
    const sink = createStdoutSink({ out });
    await sink.start();
    const p = sink.publish([rec(1), rec(2)]);
    out.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    const err: unknown = await p.then(() => null, (e: unknown) => e);
    expect(isConnectorError(err, 'ABORTED')).toBe(true);
    expect((err as { retriable: boolean }).retriable).toBe(false);
    // Later publishes fail the same way, without writing to the destroyed stream.
    const again: unknown = await sink.publish([rec(3)]).then(() => null, (e: unknown) => e);
    expect(isConnectorError(again, 'ABORTED')).toBe(true);
  });
});

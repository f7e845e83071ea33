import net from 'node:net';
import { fetchMetadata } from '../../infra/kafka-metadata';

// The raw Metadata v4 probe of the test brokers, against a fake broker on a local socket: the
// request bytes it sends, and a response built by hand from the protocol guide's layout.

function frame(payload: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(payload.length);
  return Buffer.concat([len, payload]);
}
const i16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const i32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const str = (s: string | null): Buffer => (s === null ? i16(-1) : Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]));

async function fakeBroker(response: Buffer, split = 0): Promise<{ port: number; requests: Buffer[]; close(): void }> {
  const requests: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.once('data', (req: Buffer) => {
      requests.push(req);
      const framed = frame(response);
      // Split the answer in two writes: the reader must wait for the whole frame.
      if (split > 0) { socket.write(framed.subarray(0, split)); setImmediate(() => socket.end(framed.subarray(split))); } else socket.end(framed);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, requests, close: () => server.close() };
}

const response = Buffer.concat([
  i32(1), i32(0), // correlation id, throttle
  i32(2), i32(1), str('127.0.0.1'), i32(9092), str(null), i32(3), str('127.0.0.1'), i32(9094), str('r1'),
  str('Qm9vdHN0cmFwQ2x1c3Rlcg'), i32(3), // cluster id, controller
  i32(1), i16(0), str('orders'), Buffer.from([0]),
  i32(2),
  i16(0), i32(0), i32(3), i32(3), i32(3), i32(1), i32(2), i32(2), i32(3), i32(1),
  i16(5), i32(1), i32(-1), i32(1), i32(1), i32(0),
]);

test.each([0, 7, 30])('decodes brokers, cluster id, controller and partitions (response split at byte %i)', async (split) => {
  const broker = await fakeBroker(response, split);
  try {
    const md = await fetchMetadata('127.0.0.1', broker.port, ['orders']);
    expect(md).toEqual({
      brokers: [{ id: 1, host: '127.0.0.1', port: 9092 }, { id: 3, host: '127.0.0.1', port: 9094 }],
      clusterId: 'Qm9vdHN0cmFwQ2x1c3Rlcg',
      controllerId: 3,
      topics: [{
        name: 'orders', errorCode: 0, partitions: [
          { partition: 0, leader: 3, replicas: [3, 1, 2], isr: [3, 1], errorCode: 0 },
          { partition: 1, leader: -1, replicas: [1], isr: [], errorCode: 5 },
        ],
      }],
    });
    const req = broker.requests[0];
    expect(req.readInt32BE(0)).toBe(req.length - 4);
    expect([req.readInt16BE(4), req.readInt16BE(6)]).toEqual([3, 4]); // Metadata, v4
    const clientLen = req.readInt16BE(12);
    const at = 14 + clientLen;
    expect(req.readInt32BE(at)).toBe(1);
    expect(req.toString('utf8', at + 6, at + 6 + req.readInt16BE(at + 4))).toBe('orders');
    expect(req[req.length - 1]).toBe(0); // allow_auto_topic_creation = false
  } finally {
    broker.close();
  }
});

test('a closed connection and a silent broker are errors, not hangs', async () => {
  const closing = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
  const silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    await expect(fetchMetadata('127.0.0.1', (closing.address() as net.AddressInfo).port)).rejects.toThrow(/closed the connection/);
    await expect(fetchMetadata('127.0.0.1', (silent.address() as net.AddressInfo).port, [], 200)).rejects.toThrow(/timed out after 200 ms/);
  } finally {
    closing.close();
    silent.close((): void => undefined);
  }
});

import { initProducerIdV5, kListApis, kGetApi, NumericMap, produceV11, ProduceAcks, type MessageRecord } from '@platformatic/kafka';
import { createProduceRequest, encodeProduceRequest, FastProducer, fastProduceApi, type ProduceEncodeOptions } from '../../../../connector/sink/kafka/produce-request';
import { ID_HEADER, ID_VALUE_SLOT } from '../../../../connector/sink/kafka/record-headers';

const NOW = 1_733_040_000_123n;

function message(topic: string, partition: number, key: Buffer | undefined, value: Buffer | undefined, headers?: [string, string | null][]): MessageRecord {
  const m = { topic, partition, key, value, timestamp: NOW } as MessageRecord;
  if (headers) m.headers = new Map(headers.map(([k, v]) => [Buffer.from(k), (v === null ? null : Buffer.from(v)) as Buffer]));
  return m;
}

/** The library's bytes for the same request (on its own copy: both encoders stamp messages). */
function libraryBytes(acks: number, timeout: number, messages: MessageRecord[], options: ProduceEncodeOptions): Buffer {
  const copy = messages.map((m) => ({ ...m }));
  return produceV11.createRequest(acks, timeout, copy, options as Parameters<typeof produceV11.createRequest>[3]).buffer;
}

function ours(acks: number, timeout: number, messages: MessageRecord[], options: ProduceEncodeOptions): Buffer {
  const w = encodeProduceRequest(acks, timeout, messages.map((m) => ({ ...m })), options);
  if (w === null) throw new Error('fell back to the library');
  return w.buffer;
}

const sequences = (entries: [string, number][]): NumericMap => {
  const s = new NumericMap();
  for (const [k, v] of entries) s.set(k, v);
  return s;
};

test('byte for byte the library\'s Produce v11: topics, partitions out of order, keys, nulls, headers, sequences', () => {
  const big = Buffer.alloc(70_000, 0x61); // 3-byte varint lengths
  const messages = [
    message('walcast.public.orders', 2, Buffer.from('{"id":1}'), Buffer.from('{"op":"c"}'), [['op', 'c'], ['walcast.id', '0/16E8A58:1']]),
    message('walcast.public.orders', 0, Buffer.from('{"id":2}'), undefined, [['op', 'd'], ['walcast.id', '0/16E8A58:2']]),
    message('walcast.public.ünïcode', 1, undefined, Buffer.from('v'), []),
    message('walcast.public.orders', 2, Buffer.alloc(0), Buffer.alloc(0), [['empty', ''], ['nullvalue', null]]),
    message('123', 0, Buffer.from('k'), big),
    message('walcast.public.orders', 2, Buffer.from('{"id":3}'), Buffer.from('x'.repeat(200))),
  ];
  for (let i = 0; i < 150; i++) messages.push(message('walcast.public.orders', i % 3, Buffer.from(`{"id":${i}}`), Buffer.from(`row ${i}`), [['walcast.id', `0/1:${i}`]]));
  const cases: [number, number, ProduceEncodeOptions][] = [
    [ProduceAcks.ALL, 30_000, { compression: 'none', producerId: 4242n, producerEpoch: 3, sequences: sequences([['walcast.public.orders:2', 77], ['123:0', 5]]) }],
    [ProduceAcks.ALL, 30_000, { compression: 'none', producerId: 9_007_199_254_740_993n, producerEpoch: 0, sequences: sequences([]), transactionalId: 'walcast-txn-ü' }],
    [ProduceAcks.LEADER, 1000, { compression: 'none', transactionalId: '' }],
    [ProduceAcks.NO_RESPONSE, 0, {}],
    [ProduceAcks.ALL, 30_000, { compression: 'zstd', producerId: 4242n, producerEpoch: 3, sequences: sequences([['walcast.public.orders:2', 77]]) }],
    [ProduceAcks.ALL, 30_000, { compression: 'lz4', producerId: 7n, producerEpoch: 1, sequences: sequences([]), transactionalId: 'walcast-txn' }],
    [ProduceAcks.ALL, 30_000, { compression: 'snappy', producerId: 7n, producerEpoch: 1, sequences: sequences([['123:0', 5]]) }],
  ];
  for (const [acks, timeout, options] of cases) {
    expect(ours(acks, timeout, messages, options).equals(libraryBytes(acks, timeout, messages, options))).toBe(true);
  }
  expect(encodeProduceRequest(ProduceAcks.NO_RESPONSE, 0, [message('t', 0, undefined, Buffer.from('v'))], {})!.context.noResponse).toBe(true);
});

test('stamps messages without a timestamp, as the library does, so a retry carries the same timestamp', () => {
  const m = { topic: 't', key: Buffer.from('k'), value: Buffer.from('v') } as MessageRecord;
  const before = BigInt(Date.now());
  encodeProduceRequest(ProduceAcks.ALL, 1000, [m], { compression: 'none' });
  expect(m.partition).toBe(0);
  expect(m.timestamp).toBeGreaterThanOrEqual(before);
  expect(m.timestamp).toBeLessThanOrEqual(BigInt(Date.now()));
});

test('compressed batches carry the codec in their attributes and under a third of the bytes of repetitive JSON', () => {
  const messages = Array.from({ length: 500 }, (_, i) => message('t', 0, Buffer.from(`{"id":${i}}`), Buffer.from(`{"before":null,"after":{"id":${i},"name":"row ${i}"},"op":"c"}`), [['walcast.id', `0/1:${i}`]]));
  const plain = ours(ProduceAcks.ALL, 1000, messages, { compression: 'none' });
  // The request's only batch starts after: transactional_id (1), acks (2), timeout (4), topics (1),
  // name (1 + 1), partitions (1), index (4), then the records' uvarint length.
  const attributes = (request: Buffer): number => {
    let at = 15;
    while ((request[at]! & 0x80) !== 0) at++;
    return request.readInt16BE(at + 1 + 8 + 4 + 4 + 1 + 4);
  };
  expect(attributes(plain)).toBe(0);
  for (const [compression, bitmask] of [['snappy', 2], ['lz4', 3], ['zstd', 4]] as const) {
    const packed = ours(ProduceAcks.ALL, 1000, messages, { compression });
    expect(attributes(packed)).toBe(bitmask);
    expect(packed.length).toBeLessThan(plain.length / 3);
  }
});

test('leaves to the library what it would write differently: gzip, mixed timestamps, non-Buffer headers', () => {
  const m = (): MessageRecord => message('t', 0, Buffer.from('k'), Buffer.from('v'));
  expect(encodeProduceRequest(ProduceAcks.ALL, 1, [m()], { compression: 'gzip' })).toBeNull();
  expect(encodeProduceRequest(ProduceAcks.ALL, 1, [m(), { ...m(), timestamp: NOW + 1n }], { compression: 'none' })).toBeNull();
  expect(encodeProduceRequest(ProduceAcks.ALL, 1, [{ ...m(), headers: new Map([['op', 'c']]) as unknown as Map<Buffer, Buffer> }], {})).toBeNull();
  expect(encodeProduceRequest(ProduceAcks.ALL, 1, [{ ...m(), key: 'k' as unknown as Buffer }], {})).toBeNull();
});

test('a walcast.id header still holding its slot is refused, never sent, on the fast and the library path', () => {
  const slotted = (): MessageRecord => ({ ...message('t', 0, Buffer.from('k'), Buffer.from('v')), headers: new Map([[Buffer.from(ID_HEADER), ID_VALUE_SLOT]]) });
  expect(() => encodeProduceRequest(ProduceAcks.ALL, 1, [slotted()], {})).toThrow(/slot/);
  expect(() => createProduceRequest(ProduceAcks.ALL, 1, [slotted()], { compression: 'lz4' })).toThrow(/slot/);
  expect(() => createProduceRequest(ProduceAcks.ALL, 1, [slotted()], { compression: 'gzip' })).toThrow(/slot/);
  // The same request with the id in place goes out on both paths.
  const ok = (): MessageRecord => message('t', 0, Buffer.from('k'), Buffer.from('v'), [[ID_HEADER, '0/1:1']]);
  expect(createProduceRequest(ProduceAcks.ALL, 1, [ok()], {})).toBeDefined();
  expect(createProduceRequest(ProduceAcks.ALL, 1, [ok()], { compression: 'lz4' })).toBeDefined();
  expect(createProduceRequest(ProduceAcks.ALL, 1, [ok()], { compression: 'gzip' })).toBeDefined();
});

test('the seam: FastProducer answers the library\'s Produce v11 lookup with the fast API, other APIs unchanged', async () => {
  // kGetApi/kListApis are the client's exported extension symbols; the producer calls
  // this[kGetApi]('Produce', ...) for every produce request (producer.js #performSingleDestinationSend).
  const producer = new FastProducer({ clientId: 'seam', bootstrapBrokers: ['127.0.0.1:1'] });
  try {
    const stubbed = producer as unknown as Record<symbol, unknown>;
    stubbed[kListApis] = (cb: (e: Error | null, apis: unknown) => void) => cb(null, [
      { name: 'Produce', minVersion: 3, maxVersion: 11 }, { name: 'Metadata', minVersion: 0, maxVersion: 12 },
    ]);
    const lookup = (name: string) => new Promise<{ key: number; version: number }>((resolve, reject) => {
      producer[kGetApi](name, (e, api) => (e ? reject(e) : resolve(api as unknown as { key: number; version: number })));
    });
    const produce = await lookup('Produce');
    expect(produce).toBe(fastProduceApi(produceV11.api as unknown as Parameters<typeof fastProduceApi>[0]));
    expect(produce).not.toBe(produceV11.api);
    expect([produce.key, produce.version]).toEqual([0, 11]);
    const metadata = await lookup('Metadata');
    expect(metadata.key).toBe(3);
  } finally {
    await producer.close();
  }
});

test('the seam: FastProducer sends its own transaction timeout in InitProducerId, the rest as the library writes it', async () => {
  // The library passes its request timeout as transaction_timeout_ms (producer.js
  // initIdempotentProducer); FastProducer swaps in transactionTimeoutMs through the same lookup.
  const producer = new FastProducer({ clientId: 'seam-tx', bootstrapBrokers: ['127.0.0.1:1'], timeout: 30_000 }, { transactionTimeoutMs: 123_456 });
  try {
    const stubbed = producer as unknown as Record<symbol, unknown>;
    stubbed[kListApis] = (cb: (e: Error | null, apis: unknown) => void) => cb(null, [{ name: 'InitProducerId', minVersion: 0, maxVersion: 5 }]);
    const api = await new Promise<(connection: unknown, ...args: unknown[]) => void>((resolve, reject) => {
      producer[kGetApi]('InitProducerId', (e, a) => (e ? reject(e) : resolve(a as unknown as (connection: unknown, ...args: unknown[]) => void)));
    });
    let written: Buffer | undefined;
    const connection = { send: (_key: number, _version: number, create: () => { buffer: Buffer }) => { written = create().buffer; } };
    api(connection, 'walcast-x', 30_000, -1n, -1, () => undefined);
    expect(written).toEqual(initProducerIdV5.createRequest('walcast-x', 123_456, -1n, -1).buffer);
    expect(written).not.toEqual(initProducerIdV5.createRequest('walcast-x', 30_000, -1n, -1).buffer);
  } finally {
    await producer.close();
  }
});

import { fetchV17, kGetApi, kListApis, type RecordsBatch } from '@platformatic/kafka';
import { RawFetchConsumer, rawBatches } from '../../../../connector/sink/kafka/raw-fetch';

// kGetApi/kListApis are the client's exported extension symbols; the consumer calls
// this[kGetApi]('Fetch', ...) for every fetch (consumer.js fetch). RawFetchConsumer hands back
// the library's Fetch API with a callback that notes each partition's batches first.

type FetchApi = ((connection: unknown, ...args: unknown[]) => void) & { key: number; version: number };

async function withConsumer(run: (lookup: (name: string) => Promise<FetchApi>) => Promise<void>): Promise<void> {
  const consumer = new RawFetchConsumer({ clientId: 'seam', bootstrapBrokers: ['127.0.0.1:1'], groupId: 'seam' });
  try {
    (consumer as unknown as Record<symbol, unknown>)[kListApis] = (cb: (e: Error | null, apis: unknown) => void) => cb(null, [
      { name: 'Fetch', minVersion: 4, maxVersion: 17 }, { name: 'Metadata', minVersion: 0, maxVersion: 12 },
    ]);
    await run((name) => new Promise<FetchApi>((resolve, reject) => {
      consumer[kGetApi](name, (e, api) => (e ? reject(e) : resolve(api as unknown as FetchApi)));
    }));
  } finally {
    await consumer.close(true);
  }
}

test('the seam: the Fetch lookup answers with the library\'s Fetch v17, wrapped; other APIs unchanged', async () => {
  await withConsumer(async (lookup) => {
    const fetch = await lookup('Fetch');
    expect(fetch).not.toBe(fetchV17.api);
    expect([fetch.key, fetch.version]).toEqual([fetchV17.api.key, fetchV17.api.version]);
    // Wrapped once, whatever the number of lookups (the first comes back through the override).
    expect(await lookup('Fetch')).toBe(fetch);
    expect((await lookup('Metadata')).key).toBe(3);
  });
});

test('a response\'s batches stay as parsed when the caller replaces partition.records (as the library\'s filter does)', async () => {
  await withConsumer(async (lookup) => {
    const fetch = await lookup('Fetch');
    const batch = { firstOffset: 5n } as unknown as RecordsBatch;
    const partition: { partitionIndex: number; records: RecordsBatch[] | null } = { partitionIndex: 0, records: [batch] };
    const empty: { partitionIndex: number; records: RecordsBatch[] | null } = { partitionIndex: 1, records: null };
    const response = { responses: [{ topicId: 't', partitions: [partition, empty] }] };
    // The connection answers with the parsed response, as connection.send does after parsing.
    const connection = { send: (...args: unknown[]) => (args[args.length - 1] as (e: unknown, r: unknown) => void)(null, response) };
    const seen = await new Promise<unknown>((resolve) => fetch(connection, 100, 1, 1024, 1, 0, -1, [], [], '', (_e: unknown, r: unknown) => {
      partition.records = []; // the library's filter assigns a filtered copy
      resolve(r);
    }));
    expect(seen).toBe(response);
    expect(rawBatches(partition)).toEqual([batch]);
    expect(rawBatches(empty)).toEqual([]);
  });
});

test('a partition that did not come through the seam is refused, not read as whole', () => {
  expect(() => rawBatches({ partitionIndex: 0, records: [] })).toThrow(/no longer looks its Fetch API up through kGetApi/);
});

import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { createNatsSink } from '../../../connector/sink/nats';
import { Sink } from '../../../connector/sink/port';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { ConnectorError, isConnectorError } from '../../../connector/errors';
import { natsFromInfra } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { readSubject } from '../../infra/nats';
import { deleteStream, natsConfig, records, streamMessageCount, withConnection } from './nats-support';

describe('NATS JetStream sink', () => {
  const { url } = natsFromInfra();
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  async function started(prefix: string, stream: string, over = {}): Promise<{ sink: Sink; log: ReturnType<typeof createMemoryLogger> }> {
    const log = createMemoryLogger();
    const sink = createNatsSink(natsConfig(url, stream, over), { logger: log, subjectsPrefix: prefix });
    cleanup.push(() => deleteStream(url, stream));
    cleanup.push(() => sink.stop());
    await sink.start();
    return { sink, log };
  }

  it('publishes records with Nats-Msg-Id, record headers and the key; skips tombstones', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    const { sink } = await started(prefix, stream);
    await sink.ensureTopics([`${prefix}.public.orders`, `${prefix}.inv.items`]);
    await sink.publish([
      { topic: `${prefix}.public.orders`, id: '0/16B3748:0', key: Buffer.from('{"id":42}'), value: Buffer.from('{"op":"c","after":{"id":42}}'), headers: { 'walcast-op': 'c' } },
      { topic: `${prefix}.inv.items`, id: '0/16B3748:1', key: null, value: Buffer.from('{"op":"d"}'), headers: { 'walcast-op': 'd' } },
      { topic: `${prefix}.public.orders`, id: '0/16B3748:2', key: Buffer.from('{"id":42}'), value: null },
    ]);
    const got = await readSubject(url, stream, `${prefix}.>`);
    expect(got.map((m) => [m.subject, m.data.toString()])).toEqual([
      [`${prefix}.public.orders`, '{"op":"c","after":{"id":42}}'],
      [`${prefix}.inv.items`, '{"op":"d"}'],
    ]);
    expect(got[0].headers).toEqual({ 'Nats-Msg-Id': ['0/16B3748:0'], 'walcast-op': ['c'], 'walcast-key': ['{"id":42}'] });
    expect(got[1].headers).toEqual({ 'Nats-Msg-Id': ['0/16B3748:1'], 'walcast-op': ['d'] });
  });

  it('creates the stream bound to <prefix>.> with file storage and the configured duplicate window', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    await started(prefix, stream, { duplicateWindowMs: 90_000 });
    const info = await withConnection(url, async (nc) => (await jetstreamManager(nc)).streams.info(stream));
    expect(info.config.subjects).toEqual([`${prefix}.>`]);
    expect(info.config.storage).toBe(StorageType.File);
    expect(info.config.duplicate_window).toBe(nanos(90_000));
  });

  it('republishing the same ids within the window stores no second copy', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    const { sink } = await started(prefix, stream);
    const batch = records(prefix, 500, { tables: 3 });
    await sink.publish(batch);
    await Promise.all([sink.publish(batch.slice(0, 250)), sink.publish(batch.slice(250))]);
    expect(await streamMessageCount(url, stream)).toBe(500);
    const ids = (await readSubject(url, stream, `${prefix}.>`)).map((m) => m.headers['Nats-Msg-Id'][0]);
    expect(ids).toEqual(batch.map((r) => r.id));
  });

  it('keeps per-subject order across concurrent publish calls', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    const { sink } = await started(prefix, stream, { maxInFlight: 64 });
    const all = records(prefix, 2000, { tables: 4 });
    const calls: Promise<void>[] = [];
    for (let i = 0; i < all.length; i += 100) calls.push(sink.publish(all.slice(i, i + 100)));
    await Promise.all(calls);
    const got = await readSubject(url, stream, `${prefix}.>`);
    expect(got.map((m) => m.headers['Nats-Msg-Id'][0])).toEqual(all.map((r) => r.id));
  });

  it('createStream=false without the stream: start fails with SINK_SETUP naming the stream', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('missing');
    const sink = createNatsSink(natsConfig(url, stream, { createStream: false }), { logger: createMemoryLogger(), subjectsPrefix: prefix });
    cleanup.push(() => sink.stop());
    const err = await sink.start().then(() => null, (e: unknown) => e);
    expect(isConnectorError(err, 'SINK_SETUP')).toBe(true);
    expect((err as ConnectorError).message).toContain(`"${stream}" does not exist`);
  });

  it('createStream=false: ensureTopics names every subject no stream covers', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    await withConnection(url, async (nc) => {
      await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${prefix}.public.orders`, `${prefix}.audit.*`] });
    });
    cleanup.push(() => deleteStream(url, stream));
    const log = createMemoryLogger();
    const sink = createNatsSink(natsConfig(url, stream, { createStream: false }), { logger: log, subjectsPrefix: prefix });
    cleanup.push(() => sink.stop());
    await sink.start();
    await sink.ensureTopics([`${prefix}.public.orders`, `${prefix}.audit.log`]);
    const err = await sink.ensureTopics([`${prefix}.public.orders`, `${prefix}.public.items`, `${prefix}.shop.users`])
      .then(() => null, (e: unknown) => e);
    expect(isConnectorError(err, 'SINK_SETUP')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain(`"${prefix}.public.items"`);
    expect(msg).toContain(`"${prefix}.shop.users"`);
    expect((err as ConnectorError).context.subjects).toBe(`${prefix}.public.items,${prefix}.shop.users`);
    expect(msg).toContain(`bound to "${prefix}.public.orders", "${prefix}.audit.*"`);
  });

  it('a record for a subject no stream stores fails the publish with SINK_SEND after bounded retries', async () => {
    const prefix = uniqueName('p');
    const stream = uniqueName('s');
    const log = createMemoryLogger();
    const sink = createNatsSink(natsConfig(url, stream), {
      logger: log, subjectsPrefix: prefix, retry: { initialMs: 1, maxMs: 5, maxAttempts: 3 }, ackTimeoutMs: 500,
    });
    cleanup.push(() => deleteStream(url, stream));
    cleanup.push(() => sink.stop());
    await sink.start();
    const stray = records(uniqueName('nostream'), 1);
    const err = await sink.publish(stray).then(() => null, (e: unknown) => e);
    expect(isConnectorError(err, 'SINK_SEND')).toBe(true);
    // Retried (no responders may be JetStream briefly away), then named for what it most likely is.
    expect((err as Error).message).toContain(`after 3 attempt(s): no JetStream stream answered for subject "${stray[0].topic}"`);
    // Failed for good: later publishes reject too, until the pipeline restarts the sink.
    await expect(sink.publish(records(prefix, 1))).rejects.toBe(err);
  });
});

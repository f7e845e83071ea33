import { jetstreamManager, JetStreamApiError, StorageType } from '@nats-io/jetstream';
import { connect, headers, TimeoutError, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { JetStreamPublisher } from '../../../connector/sink/nats/jetstream-publisher';
import { isNoResponders, isRetriableNatsError } from '../../../connector/sink/nats/nats-errors';
import { natsFromInfra } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';
import { deleteStream } from './nats-support';

interface Result { error: Error | null; duplicate: boolean }

/** publish() with the results collected per call (and every call counted, to catch a second one). */
function collector(p: JetStreamPublisher) {
  const results: Array<Result[]> = [];
  const send = (subject: string, id: string): number => {
    const slot: Result[] = [];
    results.push(slot);
    const h = headers();
    h.set('Nats-Msg-Id', id);
    p.publish(subject, new TextEncoder().encode(id), h, (error, duplicate) => slot.push({ error, duplicate }));
    return results.length - 1;
  };
  return { results, send };
}

describe('JetStreamPublisher', () => {
  const { url } = natsFromInfra();
  let nc: NatsConnection;
  let responder: NatsConnection;
  beforeEach(async () => {
    nc = await connect({ servers: url, noAsyncTraces: true });
    responder = await connect({ servers: url });
  });
  afterEach(async () => {
    await nc.close();
    await responder.close();
  });

  it('delivers each PubAck to its own publish, duplicates flagged, against a real stream', async () => {
    const stream = uniqueName('s');
    const subject = `${uniqueName('p')}.x`;
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.Memory });
    try {
      const p = new JetStreamPublisher(nc, 5000);
      const c = collector(p);
      for (const id of ['a', 'b', 'a', 'c']) c.send(subject, id);
      await waitFor(() => c.results.every((r) => r.length > 0), { timeoutMs: 5000 });
      expect(c.results).toEqual([
        [{ error: null, duplicate: false }], [{ error: null, duplicate: false }],
        [{ error: null, duplicate: true }], [{ error: null, duplicate: false }],
      ]);
      expect((await jsm.streams.info(stream)).state.messages).toBe(3);
      expect(p.inFlight).toBe(0);
    } finally {
      await deleteStream(url, stream);
    }
  });

  it('routes acks answered out of order; times out the unanswered one exactly once and ignores its late ack', async () => {
    const subject = `${uniqueName('p')}.x`;
    const held: Msg[] = [];
    const sub = responder.subscribe(subject, { callback: (_e, m) => { held.push(m); } });
    await responder.flush();
    const p = new JetStreamPublisher(nc, 300);
    const c = collector(p);
    c.send(subject, 'm0');
    c.send(subject, 'm1');
    c.send(subject, 'm2');
    await waitFor(() => held.length === 3, { timeoutMs: 5000 });
    const ack = (m: Msg, extra = ''): void => { m.respond(new TextEncoder().encode(`{"stream":"s","seq":1${extra}}`)); };
    ack(held[2]!, ',"duplicate":true');
    ack(held[0]!);
    await waitFor(() => c.results[0]!.length > 0 && c.results[2]!.length > 0, { timeoutMs: 5000 });
    expect(c.results[0]).toEqual([{ error: null, duplicate: false }]);
    expect(c.results[2]).toEqual([{ error: null, duplicate: true }]);
    expect(c.results[1]).toEqual([]);
    await waitFor(() => c.results[1]!.length > 0, { timeoutMs: 5000 });
    expect(c.results[1]![0]!.error).toBeInstanceOf(TimeoutError);
    expect(isRetriableNatsError(c.results[1]![0]!.error)).toBe(true);
    ack(held[1]!);
    await nc.flush();
    await responder.flush();
    // A round trip later the late ack has been read and dropped.
    await nc.flush();
    expect(c.results[1]).toHaveLength(1);
    expect(p.inFlight).toBe(0);
    sub.unsubscribe();
  });

  it('turns an API error into a JetStreamApiError (503 retriable) and no stream into no responders', async () => {
    const subject = `${uniqueName('p')}.x`;
    const sub = responder.subscribe(subject, {
      callback: (_e, m) => { m.respond(new TextEncoder().encode('{"error":{"code":503,"err_code":10077,"description":"stream temporarily unavailable"}}')); },
    });
    await responder.flush();
    const p = new JetStreamPublisher(nc, 5000);
    const c = collector(p);
    c.send(subject, 'e');
    c.send(`${uniqueName('nobody')}.x`, 'n');
    await waitFor(() => c.results.every((r) => r.length > 0), { timeoutMs: 5000 });
    const [api, none] = [c.results[0]![0]!.error, c.results[1]![0]!.error];
    expect(api).toBeInstanceOf(JetStreamApiError);
    expect((api as JetStreamApiError).status).toBe(503);
    expect(isRetriableNatsError(api)).toBe(true);
    expect(isNoResponders(none)).toBe(true);
    sub.unsubscribe();
  });

  it('reads odd PubAcks right: an error beside a stream, an empty stream, "duplicate" inside a stream name', async () => {
    const subject = `${uniqueName('p')}.x`;
    const answers: Record<string, string> = {
      errorAfterStream: '{"stream":"s","seq":0,"error":{"code":500,"err_code":10049,"description":"stream store failed"}}',
      emptyStream: '{"stream":"","seq":1}',
      quotedName: '{"stream":"a\\"duplicate\\":true","seq":1}',
      domainThenDuplicate: '{"stream":"s","seq":1,"domain":"hub","duplicate":true}',
      duplicateFalse: '{"stream":"s","seq":1,"duplicate" : false}',
    };
    const sub = responder.subscribe(subject, { callback: (_e, m) => { m.respond(new TextEncoder().encode(answers[m.string()])); } });
    await responder.flush();
    const p = new JetStreamPublisher(nc, 5000);
    const c = collector(p);
    for (const id of Object.keys(answers)) c.send(subject, id);
    await waitFor(() => c.results.every((r) => r.length > 0), { timeoutMs: 5000 });
    const [err, empty, quoted, dup, notDup] = c.results.map((r) => r[0]!);
    expect(err!.error).toBeInstanceOf(JetStreamApiError);
    expect(err!.error!.message).toBe('stream store failed');
    expect(isRetriableNatsError(err!.error)).toBe(false);
    expect(empty!.error?.message).toBe('invalid ack response');
    expect(quoted).toEqual({ error: null, duplicate: false });
    expect(dup).toEqual({ error: null, duplicate: true });
    expect(notDup).toEqual({ error: null, duplicate: false });
    sub.unsubscribe();
  });

  it('failAll fails what is in flight and every later publish, once each', async () => {
    const subject = `${uniqueName('p')}.x`;
    const held: Msg[] = [];
    const sub = responder.subscribe(subject, { callback: (_e, m) => { held.push(m); } });
    await responder.flush();
    const p = new JetStreamPublisher(nc, 5000);
    const c = collector(p);
    c.send(subject, 'f0');
    c.send(subject, 'f1');
    await waitFor(() => held.length === 2, { timeoutMs: 5000 });
    const lost = new Error('connection lost');
    p.failAll(lost);
    c.send(subject, 'f2');
    await waitFor(() => c.results[2]!.length > 0, { timeoutMs: 5000 });
    for (const m of held) m.respond(new TextEncoder().encode('{"stream":"s","seq":1}'));
    await responder.flush();
    await nc.flush();
    expect(c.results.map((r) => r.map((x) => x.error))).toEqual([[lost], [lost], [lost]]);
    expect(held).toHaveLength(2); // f2 was never sent
    sub.unsubscribe();
  });
});

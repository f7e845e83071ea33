// format avro against real Apache Kafka and a real schema registry (Apicurio Registry, its
// Confluent-compatible API); consumers decode with Confluent's own AvroDeserializer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client';
import { isConnectorError } from '../../../connector/errors';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { loadConfig } from '../../../config/load';
import { createKafkaSink } from '../../../connector/sink/kafka';
import { probeBroker } from '../../../connector/sink/probe';
import type { Sink } from '../../../connector/sink/port';
import type { SinkRecord } from '../../../connector/model/record';
import { avroDeserializers } from '../../infra/avro-consumer';
import { readTopic } from '../../infra/kafka-reader';
import { uniqueName } from '../../infra/names';
import { startSchemaRegistry, type SchemaRegistryHandle } from '../../infra/schema-registry';
import { kafkaConfig, sharedKafka } from './kafka-support';

jest.setTimeout(180_000);

let kafka: Awaited<ReturnType<typeof sharedKafka>>;
let registry: SchemaRegistryHandle;
const sinks: Sink[] = [];
const servers: http.Server[] = [];

beforeAll(async () => {
  [kafka, registry] = await Promise.all([sharedKafka(), startSchemaRegistry()]);
  process.stdout.write(`schema registry (Apicurio) answered ${registry.startMs} ms after spawn\n`);
});
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => { s.closeAllConnections(); s.close(resolve); })));
});
afterAll(async () => {
  await registry?.stop();
  await kafka?.stop();
});

async function avroSink(registryOver: { url?: string; username?: string; password?: string } = {}): Promise<Sink> {
  const sink = createKafkaSink(
    kafkaConfig(kafka.info.bootstrap, { format: 'avro', schemaRegistry: { url: registry.url, username: '', password: '', ...registryOver } }),
    { logger: createMemoryLogger(), registry: { maxRetries: 3, retriesWaitMs: 20, retriesMaxWaitMs: 100 } },
  );
  sinks.push(sink);
  await sink.start();
  return sink;
}

// Debezium-shaped Connect schemas (what the envelope stage writes with schemas on).
const keySchema = (topic: string) => ({ type: 'struct', optional: false, name: `${topic}.Key`, fields: [{ type: 'int32', optional: false, field: 'id' }] });
function envelopeSchema(topic: string, columns: object[]): object {
  const row = { type: 'struct', optional: true, name: `${topic}.Value`, fields: columns };
  return {
    type: 'struct', optional: false, name: `${topic}.Envelope`, version: 2,
    fields: [
      { ...row, field: 'before' }, { ...row, field: 'after' },
      { type: 'string', optional: false, field: 'op' }, { type: 'int64', optional: true, field: 'ts_ms' },
    ],
  };
}
const ID = { type: 'int32', optional: false, field: 'id' };
const NAME = { type: 'string', optional: true, field: 'name' };
const PRICE = { type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '8' }, field: 'price' };
const QTY_INT = { type: 'int32', optional: true, field: 'qty' };
const QTY_TEXT = { type: 'string', optional: true, field: 'qty' };

let seq = 0;
function row(topic: string, columns: object[], after: Record<string, unknown>): SinkRecord {
  const key = `{"schema":${JSON.stringify(keySchema(topic))},"payload":{"id":${String(after.id)}}}`;
  const value = `{"schema":${JSON.stringify(envelopeSchema(topic, columns))},"payload":${JSON.stringify({ before: null, after, op: 'c', ts_ms: 1_700_000_000_000 })}}`;
  seq += 1;
  return { topic, id: `0/1:${seq}`, key: Buffer.from(key), value: Buffer.from(value), headers: { op: 'c' } };
}

async function decodeAll(topic: string, count: number): Promise<{ key: unknown; value: unknown; valueId: number | null }[]> {
  const client = new SchemaRegistryClient({ baseURLs: [registry.url] });
  const { key: keys, value: values } = avroDeserializers(client);
  const messages = await readTopic(kafka.info.bootstrap, topic, { count });
  const out = [];
  for (const m of messages) {
    out.push({
      key: m.key === null ? null : await keys.deserialize(topic, m.key),
      value: m.value === null ? null : await values.deserialize(topic, m.value),
      valueId: m.value === null ? null : m.value.readInt32BE(1),
    });
  }
  client.close();
  return out;
}

async function versions(subject: string): Promise<number[]> {
  const res = await fetch(`${registry.url}/subjects/${encodeURIComponent(subject)}/versions`);
  return await res.json() as number[];
}

test('schema evolution mid-stream: add, drop and retype a column; each change a new registered version, every record decodable', async () => {
  const sink = await avroSink();
  const topic = uniqueName('avro.public.items');
  await sink.ensureTopics([topic]);
  const v1 = [ID, NAME];
  const v2 = [ID, NAME, PRICE, QTY_INT]; // price and qty added
  const v3 = [ID, PRICE, QTY_INT]; // name dropped
  const v4 = [ID, PRICE, QTY_TEXT]; // qty retyped int -> text
  await sink.publish([row(topic, v1, { id: 1, name: 'one' }), row(topic, v1, { id: 2, name: null })]);
  // 12.50 at scale 2: unscaled 1250 = 0x04E2 (base64 BOI=).
  await sink.publish([row(topic, v2, { id: 3, name: 'three', price: 'BOI=', qty: 7 })]);
  await sink.publish([row(topic, v3, { id: 4, price: null, qty: -1 }), row(topic, v3, { id: 5, price: 'BOI=', qty: 2 })]);
  await sink.publish([row(topic, v4, { id: 6, price: null, qty: 'a dozen' }),
    { topic, id: '0/1:tomb', key: row(topic, v4, { id: 6 }).key, value: null }]);

  const got = await decodeAll(topic, 7);
  // One partition per key; order by id to compare (the tombstone last).
  const afters = got.filter((m) => m.value !== null).map((m) => (m.value as { after: Record<string, unknown> }).after)
    .sort((a, b) => Number(a.id) - Number(b.id));
  expect(afters).toEqual([
    { id: 1, name: 'one' },
    { id: 2, name: null },
    { id: 3, name: 'three', price: Buffer.from([0x04, 0xe2]), qty: 7 },
    { id: 4, price: null, qty: -1 },
    { id: 5, price: Buffer.from([0x04, 0xe2]), qty: 2 },
    { id: 6, price: null, qty: 'a dozen' },
  ]);
  const tombstones = got.filter((m) => m.value === null);
  expect(tombstones.map((m) => m.key)).toEqual([{ id: 6 }]);
  const ids = new Map(got.filter((m) => m.value !== null).map((m) => [(m.value as { after: { id: number } }).after.id, m.valueId]));
  expect(new Set([ids.get(1), ids.get(3), ids.get(4), ids.get(6)]).size).toBe(4);
  expect(ids.get(2)).toBe(ids.get(1));
  expect(await versions(`${topic}-value`)).toEqual([1, 2, 3, 4]);
  expect(await versions(`${topic}-key`)).toEqual([1]);

  // The registered text is the Debezium-named Avro schema.
  const latest = await (await fetch(`${registry.url}/subjects/${topic}-value/versions/latest`)).json() as { schema: string };
  const schema = JSON.parse(latest.schema) as { name: string; namespace: string; 'connect.name': string; 'connect.version': number };
  expect(schema).toMatchObject({ name: 'Envelope', namespace: topic, 'connect.name': `${topic}.Envelope`, 'connect.version': 2 });
});

/**
 * A proxy in front of the registry: basic auth required (the password can change, as when
 * credentials are revoked); the first `failFirst` requests get a 503.
 */
async function authProxy(user: string, pass: string, failFirst = 0): Promise<{ url: string; requests: () => number; setPassword: (p: string) => void }> {
  const target = new URL(registry.url);
  let n = 0;
  let password = pass;
  const server = http.createServer((req, res) => {
    n += 1;
    if (req.headers.authorization !== `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error_code":401,"message":"Unauthorized"}');
      return;
    }
    if (n <= failFirst) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error_code":50301,"message":"busy"}');
      return;
    }
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: target.pathname + req.url!.replace(/^\/apis\/ccompat\/v7/, ''), headers: { ...req.headers, host: target.host } },
      (r) => { res.writeHead(r.statusCode!, r.headers); r.pipe(res); });
    req.pipe(upstream);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7`, requests: () => n, setPassword: (p) => { password = p; } };
}

test('basic auth is sent; 503s are retried; credentials refused after start fail the publish as permanent, naming the subject', async () => {
  const proxy = await authProxy('walcast', 'reg-secret', 2);
  const sink = await avroSink({ url: proxy.url, username: 'walcast', password: 'reg-secret' });
  const topic = uniqueName('avro.public.auth');
  await sink.ensureTopics([topic]);
  await sink.publish([row(topic, [ID, NAME], { id: 1, name: 'x' })]);
  expect((await decodeAll(topic, 1))[0].value).toMatchObject({ after: { id: 1, name: 'x' } });
  expect(proxy.requests()).toBeGreaterThanOrEqual(5); // 2 refused with 503, the start check, then key and value

  proxy.setPassword('rotated');
  const other = uniqueName('avro.public.auth');
  await sink.ensureTopics([other]);
  const err = await sink.publish([row(other, [ID, NAME], { id: 2, name: 'y' })]).catch((e: unknown) => e);
  expect(isConnectorError(err, 'SINK_SEND')).toBe(true);
  expect((err as Error).message).toMatch(new RegExp(`cannot register the Avro schema of subject ${other.replace(/\./g, '\\.')}-(key|value) .*refused the credentials`));
  expect((err as { retriable: boolean }).retriable).toBe(false);
});

describe('the registry is checked at start', () => {
  const startError = async (over: { url?: string; username?: string; password?: string }): Promise<{ message: string; retriable: boolean; requests?: number }> => {
    const err = await avroSink(over).then(() => undefined, (e: unknown) => e);
    expect(isConnectorError(err, 'SINK_CONNECT')).toBe(true);
    return err as { message: string; retriable: boolean };
  };

  it('refused credentials: a permanent start error naming the settings, before any record', async () => {
    const proxy = await authProxy('walcast', 'reg-secret');
    const err = await startError({ url: proxy.url, username: 'walcast', password: 'not-it' });
    expect(err.message).toMatch(/cannot use the schema registry at http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7: the registry refused the credentials \(HTTP 401; sink\.kafka\.schemaRegistry\.username\/password\)/);
    expect(err.message).not.toContain('not-it');
    expect(err.retriable).toBe(false);
  });

  it('a URL that is not the Confluent API (Apicurio without /apis/ccompat/v7): a permanent start error saying so', async () => {
    const base = registry.url.replace(/\/apis\/ccompat\/v7$/, '');
    const err = await startError({ url: `${base}/apis/nothing-here` });
    expect(err.message).toMatch(/HTTP 404: no Confluent schema registry API at this URL/);
    expect(err.retriable).toBe(false);
  });

  it('nothing listening: a retriable start error (a registry still starting)', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await startError({ url: `http://127.0.0.1:${port}` });
    expect(err.message).toMatch(new RegExp(`cannot use the schema registry at http://127\\.0\\.0\\.1:${port}: no answer \\(ECONNREFUSED`));
    expect(err.retriable).toBe(true);
  });
});

describe('validate --connect probes the registry (probeBroker)', () => {
  const configWith = (registryOver: { url?: string; username?: string; password?: string }) => loadConfig({
    env: {},
    overrides: {
      name: 'probe', source: { url: 'postgres://u@127.0.0.1:1/db' },
      sink: { type: 'kafka', kafka: { brokers: [kafka.info.bootstrap], format: 'avro', schemaRegistry: { url: registry.url, ...registryOver } } },
    },
  });

  it('reachable: the broker and the registry, with its subject count', async () => {
    const probe = await probeBroker(configWith({}));
    expect(probe).toEqual({ ok: true, detail: expect.stringMatching(new RegExp(`^kafka .* \\(1 broker\\); schema registry ${registry.url.replace(/[.]/g, '\\.')} \\(\\d+ subjects?\\)$`)) });
  });

  it('refused credentials fail the probe, saying why', async () => {
    const proxy = await authProxy('walcast', 'reg-secret');
    const probe = await probeBroker(configWith({ url: proxy.url, username: 'walcast', password: 'wrong-one' }));
    expect(probe?.ok).toBe(false);
    expect(probe?.detail).toMatch(/\(1 broker\); cannot use the schema registry at .*: the registry refused the credentials/);
  });
});

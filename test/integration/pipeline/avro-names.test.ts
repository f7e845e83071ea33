/**
 * A topic prefix and a table name Avro names cannot hold (`-`), through the whole pipeline with
 * sink.kafka.format avro and a real registry (Apicurio): envelope.schemaNameAdjustment auto
 * (avro with format avro) adjusts the record names as Debezium's schema.name.adjustment.mode=avro
 * does, instead of failing; topics and subjects keep their names; Confluent's deserializer
 * reads the records.
 */
import { SchemaRegistryClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client';
import { avroDeserializers } from '../../infra/avro-consumer';
import { readTopic } from '../../infra/kafka';
import { uniqueName } from '../../infra/names';
import { kafkaFromInfra } from '../../infra/env';
import { useAvroConnector } from '../support/avro-connector';

jest.setTimeout(180_000);

describe('Avro names with characters Avro does not allow', () => {
  const prefix = `${uniqueName('wc')}-dash`;
  const avro = useAvroConnector('CREATE TABLE "order-items" (id int PRIMARY KEY, qty int)', { topicPrefix: prefix });

  it('records are written with adjusted record names and decode with Confluent\'s deserializer', async () => {
    expect(avro.s.config.envelope.schemaNameAdjustment).toBe('avro');
    const topic = `${prefix}.public.order-items`;
    await avro.s.db.query('INSERT INTO "order-items" VALUES (1, 10)');
    const [m] = await readTopic(kafkaFromInfra().bootstrap, topic, { count: 1, timeoutMs: 60_000 });
    const client = new SchemaRegistryClient({ baseURLs: [avro.registry.url] });
    const { key, value } = avroDeserializers(client);
    expect(await key.deserialize(topic, m!.key!)).toEqual({ id: 1 });
    expect(await value.deserialize(topic, m!.value!)).toMatchObject({ op: 'c', after: { id: 1, qty: 10 } });
    client.close();

    const adjusted = `${prefix.replace(/-/g, '_')}.public.order_items`;
    const latest = await (await fetch(`${avro.registry.url}/subjects/${encodeURIComponent(`${topic}-value`)}/versions/latest`)).json() as { schema: string };
    expect(JSON.parse(latest.schema)).toMatchObject({ name: 'Envelope', namespace: adjusted, 'connect.name': `${adjusted}.Envelope` });
    const latestKey = await (await fetch(`${avro.registry.url}/subjects/${encodeURIComponent(`${topic}-key`)}/versions/latest`)).json() as { schema: string };
    expect(JSON.parse(latestKey.schema)).toMatchObject({ name: 'Key', namespace: adjusted });
    // Told once per adjusted name (Key, Value and Envelope), not per record.
    const warned = avro.r.logs.filter((l) => String(l.msg).includes('not a valid Avro name')).map((l) => String(l.fields.adjusted)).sort();
    expect(warned).toEqual([`${adjusted}.Envelope`, `${adjusted}.Key`, `${adjusted}.Value`]);
  });
});

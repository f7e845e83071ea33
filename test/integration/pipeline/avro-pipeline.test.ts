/**
 * PostgreSQL -> walcast (sink.kafka.format avro) -> real Kafka + a real schema registry
 * (Apicurio, Confluent API), read back with Confluent's AvroDeserializer. The table changes
 * mid-stream (a column added, one dropped, one retyped): each change arrives as a new Relation
 * message, and the next row is written with a newly registered schema version.
 */
import { SchemaRegistryClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client';
import { avroDeserializers } from '../../infra/avro-consumer';
import { readTopic } from '../../infra/kafka';
import { kafkaFromInfra } from '../../infra/env';
import { useAvroConnector } from '../support/avro-connector';

jest.setTimeout(180_000);

describe('Avro through the whole pipeline', () => {
  const avro = useAvroConnector('CREATE TABLE items (id int PRIMARY KEY, name text, qty int NOT NULL)');

  it('add, drop and retype a column mid-stream: a new schema version each, every record decoded by Confluent\'s deserializer', async () => {
    const topic = `${avro.s.config.topicPrefix}.public.items`;
    await avro.s.db.query(`INSERT INTO items VALUES (1, 'one', 10)`);
    await avro.s.db.query('ALTER TABLE items ADD COLUMN price numeric(8,2)');
    await avro.s.db.query(`INSERT INTO items VALUES (2, 'two', 20, 12.50)`);
    await avro.s.db.query('ALTER TABLE items DROP COLUMN name');
    await avro.s.db.query(`INSERT INTO items VALUES (3, 30, 0.01)`);
    await avro.s.db.query('ALTER TABLE items ALTER COLUMN qty TYPE text');
    await avro.s.db.query(`INSERT INTO items VALUES (4, 'forty', NULL)`);
    await avro.s.db.query('DELETE FROM items WHERE id = 1');

    // 4 creates, a delete and its tombstone.
    const messages = await readTopic(kafkaFromInfra().bootstrap, topic, { count: 6, timeoutMs: 60_000 });
    const client = new SchemaRegistryClient({ baseURLs: [avro.registry.url] });
    const { key: keys, value: values } = avroDeserializers(client);
    const decoded: { key: unknown; op: string | null; after: unknown; before: unknown }[] = [];
    for (const m of messages) {
      const v = m.value === null ? null : await values.deserialize(topic, m.value) as { op: string; after: unknown; before: unknown; source: { table: string } };
      decoded.push({ key: await keys.deserialize(topic, m.key!), op: v?.op ?? null, after: v?.after ?? null, before: v?.before ?? null });
    }
    client.close();

    expect(decoded).toEqual([
      { key: { id: 1 }, op: 'c', after: { id: 1, name: 'one', qty: 10 }, before: null },
      // numeric(8,2) is Connect Decimal: Avro bytes of the unscaled value (1250 = 0x04E2).
      { key: { id: 2 }, op: 'c', after: { id: 2, name: 'two', qty: 20, price: Buffer.from([0x04, 0xe2]) }, before: null },
      { key: { id: 3 }, op: 'c', after: { id: 3, qty: 30, price: Buffer.from([0x01]) }, before: null },
      { key: { id: 4 }, op: 'c', after: { id: 4, qty: 'forty', price: null }, before: null },
      // REPLICA IDENTITY DEFAULT: the old row holds the key; qty (text NOT NULL) gets Debezium's fallback ''.
      { key: { id: 1 }, op: 'd', after: null, before: expect.objectContaining({ id: 1 }) },
      { key: { id: 1 }, op: null, after: null, before: null },
    ]);
    const versions = await (await fetch(`${avro.registry.url}/subjects/${topic}-value/versions`)).json() as number[];
    expect(versions).toEqual([1, 2, 3, 4]);
    const keyVersions = await (await fetch(`${avro.registry.url}/subjects/${topic}-key/versions`)).json() as number[];
    expect(keyVersions).toEqual([1]);
    const ids = messages.filter((m) => m.value !== null).map((m) => m.value!.readInt32BE(1));
    expect(new Set(ids.slice(0, 4)).size).toBe(4);
    expect(ids[4]).toBe(ids[3]);
  });
});

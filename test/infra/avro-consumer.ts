import { AvroDeserializer } from '@confluentinc/schemaregistry/dist/serde/avro';
import { SerdeType } from '@confluentinc/schemaregistry/dist/serde/serde';
import type { Client } from '@confluentinc/schemaregistry/dist/schemaregistry-client';
import avro from 'avsc';

/**
 * Confluent's AvroDeserializer for keys and values, as a JavaScript consumer of Debezium's
 * records must configure it: Avro longs as bigint (the deserializer takes avsc options; avsc's
 * documented `LongType.__with`, given through a type hook). With avsc's default long, `ts_ns` (~1.7e18) and int8 values
 * beyond 2^53 fail to decode ("potential precision loss").
 */
export function avroDeserializers(client: Client): { key: AvroDeserializer; value: AvroDeserializer } {
  const long = avro.types.LongType.__with({
    fromBuffer: (b: Buffer) => b.readBigInt64LE(),
    toBuffer: (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64LE(n); return b; },
    fromJSON: (v: unknown) => BigInt(v as string),
    toJSON: (n: bigint) => Number(n),
    isValid: (n: unknown) => typeof n === 'bigint',
    compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
  });
  // A type hook, not `registry: { long }`: avsc adds every named type to the registry object it
  // is given, and the deserializer passes the same options for each schema it reads, so a second
  // version of a subject would collide with the first ("duplicate type name").
  const conf = { typeHook: (schema: unknown) => (schema === 'long' ? long : undefined) };
  return { key: new AvroDeserializer(client, SerdeType.KEY, conf), value: new AvroDeserializer(client, SerdeType.VALUE, conf) };
}

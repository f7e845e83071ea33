/**
 * The Kafka sink's serializer seam: how record keys and values become the bytes Kafka stores.
 * format json sends the envelope stage's bytes as they are; format avro converts them to Avro
 * in the Confluent wire format, with schemas in a registry (avro/avro-serializer.ts).
 */
import type { KafkaOptions } from './options';
import { avroSerializer, type RecordSerializer } from './avro/avro-serializer';
import { createSchemaRegistry, type RegistryOptions } from './avro/registry';

export interface RecordFormat {
  /** Undefined for json: records go out unchanged. */
  readonly serialize?: RecordSerializer;
  close(): void;
}

export async function createRecordFormat(config: KafkaOptions, registryOptions?: RegistryOptions): Promise<RecordFormat> {
  if (config.format !== 'avro') return { close: () => undefined };
  const registry = await createSchemaRegistry(config.schemaRegistry, registryOptions);
  try {
    // A wrong URL or refused credentials fail the start, not the first send.
    await registry.check();
  } catch (e) {
    registry.close();
    throw e;
  }
  return { serialize: avroSerializer(registry), close: () => registry.close() };
}

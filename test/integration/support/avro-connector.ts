/**
 * A connector streaming PostgreSQL -> real Kafka with sink.kafka.format avro and a real schema
 * registry (Apicurio), for one describe block: the registry, the database, `createTableSql` and
 * the connector are started in beforeAll (streaming when the tests run), and everything is
 * stopped and dropped in afterAll.
 */
import { kafkaFromInfra } from '../../infra/env';
import { startSchemaRegistry, type SchemaRegistryHandle } from '../../infra/schema-registry';
import { waitFor } from '../../infra/wait';
import { dropSlotAndPublication, run, type Running, scenario, type Scenario } from './connector';

export interface AvroConnector {
  readonly s: Scenario;
  readonly r: Running;
  readonly registry: SchemaRegistryHandle;
}

export function useAvroConnector(createTableSql: string, extra: Record<string, unknown> = {}): AvroConnector {
  let s: Scenario | undefined;
  let r: Running | undefined;
  let registry: SchemaRegistryHandle | undefined;
  beforeAll(async () => {
    registry = await startSchemaRegistry();
    s = await scenario({ type: 'kafka', kafka: { brokers: [kafkaFromInfra().bootstrap], partitions: 1, format: 'avro', schemaRegistry: { url: registry.url } } }, extra);
    await s.db.query(createTableSql);
    const running = run(s.config);
    r = running;
    await waitFor(() => running.phases.includes('streaming'), { timeoutMs: 30_000, message: () => `connector did not start: ${JSON.stringify(running.logs.slice(-5))}` });
  });
  afterAll(async () => {
    await r?.handle.stop('test done');
    if (s) await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    await registry?.stop();
  });
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useAvroConnector: ${what} read before beforeAll ran`);
    return v;
  };
  return {
    get s() { return ready(s, 'the scenario'); },
    get r() { return ready(r, 'the connector'); },
    get registry() { return ready(registry, 'the registry'); },
  };
}

/**
 * Broker reachability for `walcast validate --connect`: connect with the configured options
 * (TLS, SASL, NATS auth), ask one question, disconnect. Kafka: cluster metadata, and with
 * format avro the schema registry's subject list (the URL answers with the Confluent API, the
 * credentials are accepted). NATS: the JetStream account info (a server without JetStream
 * fails it). Never creates anything.
 */
import { errorMessage } from '../observe/log-error';
import type { SinkOptions } from './options';

export interface BrokerProbe {
  readonly ok: boolean;
  /** What was reached (`kafka 10.0.0.1:9092 (3 brokers)`) or why not. */
  readonly detail: string;
}

/** What the probe reads of the configuration (a WalcastConfig is one). */
export interface ProbeSetup {
  readonly name: string;
  readonly sink: SinkOptions;
}

export type ProbeBroker = (config: ProbeSetup, timeoutMs?: number) => Promise<BrokerProbe | null>;

/** null for the stdout sink, which has no broker. */
export const probeBroker: ProbeBroker = async (config, timeoutMs = 5_000) => {
  switch (config.sink.type) {
    case 'stdout': return null;
    case 'kafka': {
      const [broker, registry] = await Promise.all([
        probeKafka(config, timeoutMs),
        config.sink.kafka.format === 'avro' ? probeRegistry(config, timeoutMs) : Promise.resolve(null),
      ]);
      return registry === null ? broker : { ok: broker.ok && registry.ok, detail: `${broker.detail}; ${registry.detail}` };
    }
    case 'nats': return probeNats(config, timeoutMs);
  }
};

async function probeKafka(config: ProbeSetup, timeoutMs: number): Promise<BrokerProbe> {
  const k = config.sink.kafka;
  const where = `kafka ${k.brokers.join(',')}`;
  // Loaded here: validate without --connect never pulls in the broker clients.
  const { Admin } = await import('@platformatic/kafka');
  const { clientOptions } = await import('./kafka/client-options');
  const { describeError } = await import('./kafka/client-errors');
  try {
    const options = clientOptions(k, { retries: 2, initialRetryTimeMs: 100, maxRetryTimeMs: 100 });
    const admin = new Admin({ ...options, connectTimeout: timeoutMs, requestTimeout: timeoutMs, timeout: timeoutMs });
    try {
      const cluster = await admin.metadata({ topics: [] });
      const n = cluster.brokers.size;
      return { ok: true, detail: `${where} (${n} broker${n === 1 ? '' : 's'})` };
    } finally {
      await admin.close().catch(() => undefined);
    }
  } catch (e) {
    // The library's own message is the last retry's summary ('metadata failed 3 times.'); the
    // reason is inside it (ECONNREFUSED, a TLS or SASL failure).
    return { ok: false, detail: `${where}: ${describeError(e)}` };
  }
}

async function probeRegistry(config: ProbeSetup, timeoutMs: number): Promise<BrokerProbe> {
  const r = config.sink.kafka.schemaRegistry;
  const { createSchemaRegistry } = await import('./kafka/avro/registry');
  // One try: validate reports what it finds now.
  const registry = await createSchemaRegistry(r, { maxRetries: 0, requestTimeoutMs: timeoutMs });
  try {
    const n = await registry.check();
    return { ok: true, detail: `schema registry ${r.url} (${n} subject${n === 1 ? '' : 's'})` };
  } catch (e) {
    // check() rejects with a ConnectorError whose message names the URL and the reason.
    return { ok: false, detail: e instanceof Error ? e.message : errorMessage(e) };
  } finally {
    registry.close();
  }
}

async function probeNats(config: ProbeSetup, timeoutMs: number): Promise<BrokerProbe> {
  const n = config.sink.nats;
  const where = `nats ${n.servers.join(',')}`;
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const { natsConnectOptions } = await import('./nats/connect-options');
  try {
    const nc = await connect({ ...natsConnectOptions(n, `walcast-validate-${config.name}`), timeout: timeoutMs });
    try {
      // jetstreamManager() asks for the account info unless told not to: a server without
      // JetStream fails here.
      const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
      const info = await jsm.getAccountInfo();
      return { ok: true, detail: `${where} (JetStream, ${info.streams} stream${info.streams === 1 ? '' : 's'})` };
    } finally {
      await nc.close().catch(() => undefined);
    }
  } catch (e) {
    return { ok: false, detail: `${where}: ${errorMessage(e)}` };
  }
}

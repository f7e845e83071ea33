import { envVariables, isLeaf, schema } from '../../../config/schema';

type Node = Record<string, unknown>;
function leafEntries(node: Node, prefix = ''): Array<[string, Node]> {
  return Object.entries(node).flatMap(([k, v]) => (isLeaf(v) ? [[prefix + k, v as Node] as [string, Node]] : leafEntries(v as Node, `${prefix}${k}.`)));
}

describe('config schema', () => {
  const leaves = leafEntries(schema as unknown as Node);

  it('gives every key a doc, a format, a default and a WALCAST_ env name', () => {
    expect(leaves.length).toBe(91); // every leaf of WalcastConfig (the schema `satisfies` its shape)
    for (const [, v] of leaves) {
      expect(typeof v.doc).toBe('string');
      expect(v.format).toBeDefined();
      expect('default' in v).toBe(true);
      expect(v.env).toMatch(/^WALCAST_[A-Z0-9_]+$/);
    }
    expect(new Set(leaves.map(([, v]) => v.env)).size).toBe(leaves.length);
  });

  it('names env variables as upper snake case of the path', () => {
    const env = envVariables();
    expect(env['source.url']).toBe('WALCAST_SOURCE_URL');
    expect(env['sink.kafka.brokers']).toBe('WALCAST_SINK_KAFKA_BROKERS');
    expect(env['snapshot.mode']).toBe('WALCAST_SNAPSHOT_MODE');
    expect(env['source.maxInFlightEvents']).toBe('WALCAST_SOURCE_MAX_IN_FLIGHT_EVENTS');
    expect(env['sink.nats.nkeySeed']).toBe('WALCAST_SINK_NATS_NKEY_SEED');
  });

  it('marks exactly the secrets sensitive', () => {
    expect(leaves.filter(([, v]) => v.sensitive === true).map(([k]) => k).sort())
      .toEqual(['envelope.columnHashSalt', 'sink.kafka.saslPassword', 'sink.kafka.schemaRegistry.password', 'sink.nats.nkeySeed', 'sink.nats.pass', 'sink.nats.token', 'source.url']);
  });
});

/**
 * State beside the data (issue "Never lose a row", item 3): the slot identity and the snapshot
 * record live in a JetStream key-value bucket (NATS) or a compacted topic (Kafka), so an
 * instance with a lost (or another) local disk sees the same truth; an existing state file is
 * migrated on first start.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../config/load';
import type { WalcastConfig } from '../../../config/types';
import { KafkaTopicStateStore } from '../../../connector/offsets/kafka-topic-store';
import { NatsKvStateStore } from '../../../connector/offsets/nats-kv-store';
import { kafkaFromInfra, natsFromInfra } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';
import { dropSlotAndPublication, run, scenario, Scenario } from '../support/connector';
import { waitFor } from '../../infra/wait';

describe('connector state in a NATS key-value bucket', () => {
  let s: Scenario;
  const dir = (): string => tempDir('walcast-state-');
  const bucket = uniqueName('state');
  const withOffsets = (offsets: Record<string, unknown>): WalcastConfig =>
    loadConfig({ env: {}, overrides: { ...JSON.parse(JSON.stringify(s.config)) as object, offsets: { ...s.config.offsets, bucket, ...offsets } } });
  const kvState = async () => {
    const store = new NatsKvStateStore({ nats: s.config.sink.nats, bucket, name: s.name });
    try { return await store.read(); } finally { await store.close(); }
  };
  const streamOnce = async (config: WalcastConfig): Promise<string[]> => {
    const r = run(config);
    await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 60_000, message: () => JSON.stringify(r.logs.slice(-5)) });
    await r.handle.stop('test');
    return r.phases;
  };

  beforeEach(async () => {
    s = await scenario({ type: 'nats', nats: { servers: [natsFromInfra().url] } }, { snapshot: { mode: 'initial' } });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL); INSERT INTO t SELECT g, 0 FROM generate_series(1, 20) g;');
  });
  afterEach(async () => {
    await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    rmSync(s.config.offsets.stateDir, { recursive: true, force: true });
  });

  it('a second instance with an empty local disk sees the completed snapshot and the slot identity', async () => {
    const first = await streamOnce(withOffsets({ stateDir: dir() }));
    expect(first).toContain('snapshotting');
    const state = await kvState();
    expect(state?.snapshot?.status).toBe('complete');
    expect(state?.slot?.status).toBe('created');
    const second = await streamOnce(withOffsets({ stateDir: dir() }));
    expect(second).not.toContain('snapshotting');
  });

  it('migrates an existing state file on first start and renames it', async () => {
    const local = dir();
    expect(await streamOnce(withOffsets({ stateDir: local, store: 'file' }))).toContain('snapshotting');
    const file = join(local, `${s.name}.state.json`);
    expect(existsSync(file)).toBe(true);
    expect(await kvState()).toBeNull();
    const r = run(withOffsets({ stateDir: local }));
    await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 60_000 });
    await r.handle.stop('test');
    expect(r.phases).not.toContain('snapshotting');
    expect(r.logs.some((l) => /migrated the connector state/.test(l.msg))).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.migrated`)).toBe(true);
    expect((await kvState())?.snapshot?.status).toBe('complete');
  });

  it('refuses to overwrite a state another writer changed', async () => {
    const a = new NatsKvStateStore({ nats: s.config.sink.nats, bucket, name: s.name });
    const b = new NatsKvStateStore({ nats: s.config.sink.nats, bucket, name: s.name });
    try {
      expect(await a.read()).toBeNull();
      expect(await b.read()).toBeNull();
      await a.write({ version: 2, slot: null, snapshot: null });
      await expect(b.write({ version: 2, slot: null, snapshot: null })).rejects.toMatchObject({ code: 'STATE', retriable: false });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('connector state in a compacted Kafka topic', () => {
  let s: Scenario;
  const dir = (): string => tempDir('walcast-state-');
  const topic = uniqueName('state');
  const withOffsets = (offsets: Record<string, unknown>): WalcastConfig =>
    loadConfig({ env: {}, overrides: { ...JSON.parse(JSON.stringify(s.config)) as object, offsets: { ...s.config.offsets, topic, ...offsets } } });
  const topicState = async () => {
    const store = new KafkaTopicStateStore({ kafka: s.config.sink.kafka, topic, name: s.name });
    try { return await store.read(); } finally { await store.close(); }
  };
  const streamOnce = async (config: WalcastConfig): Promise<{ phases: string[]; logs: string[] }> => {
    const r = run(config);
    await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 90_000, message: () => JSON.stringify(r.logs.slice(-5)) });
    await r.handle.stop('test');
    return { phases: r.phases, logs: r.logs.map((l) => l.msg) };
  };

  beforeEach(async () => {
    s = await scenario({ type: 'kafka', kafka: { brokers: [kafkaFromInfra().bootstrap] } }, { snapshot: { mode: 'initial' } });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL); INSERT INTO t SELECT g, 0 FROM generate_series(1, 20) g;');
  });
  afterEach(async () => {
    await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    rmSync(s.config.offsets.stateDir, { recursive: true, force: true });
  });

  it('a second instance with an empty local disk sees the completed snapshot; an existing file is migrated', async () => {
    const local = dir();
    expect((await streamOnce(withOffsets({ stateDir: local, store: 'file' }))).phases).toContain('snapshotting');
    expect(await topicState()).toBeNull();
    const migrated = await streamOnce(withOffsets({ stateDir: local }));
    expect(migrated.phases).not.toContain('snapshotting');
    expect(migrated.logs.some((m) => /migrated the connector state/.test(m))).toBe(true);
    expect(existsSync(join(local, `${s.name}.state.json.migrated`))).toBe(true);
    const state = await topicState();
    expect(state?.snapshot?.status).toBe('complete');
    expect(state?.slot?.status).toBe('created');
    const elsewhere = await streamOnce(withOffsets({ stateDir: dir() }));
    expect(elsewhere.phases).not.toContain('snapshotting');
    // The confirmed position recorded in the topic kept up with what was confirmed.
    expect((await topicState())?.slot?.confirmedLsn).toBeDefined();
  });

  it('clear writes a tombstone: the state reads as absent', async () => {
    const a = new KafkaTopicStateStore({ kafka: s.config.sink.kafka, topic, name: `${s.name}-x` });
    try {
      await a.write({ version: 2, slot: null, snapshot: null });
      await a.clear();
    } finally {
      await a.close();
    }
    const b = new KafkaTopicStateStore({ kafka: s.config.sink.kafka, topic, name: `${s.name}-x` });
    try { expect(await b.read()).toBeNull(); } finally { await b.close(); }
  });
});

import { createKafkaSink } from '../../../connector/sink/kafka';
import type { Sink } from '../../../connector/sink/port';
import { createMemoryLogger } from '../../../connector/observe/logger';
import { readTopic } from '../../infra/kafka';
import { KafkaClusterHandle, startKafkaCluster } from '../../infra/kafka-broker';
import { uniqueName } from '../../infra/names';
import { waitFor } from '../../infra/wait';
import { kafkaConfig, keyedRecords, seqOf } from './kafka-support';
import packageJson from '../../../package.json';

jest.setTimeout(480_000);

// Failover on a real 3-broker Apache Kafka cluster (KRaft, replication factor 3,
// min.insync.replicas 2), the cluster this file's own (3 JVMs, so only here).
//
// Known bug, hence test.failing while the sink runs on kafkajs: kafkajs' sendMessages retries
// a produce only to the brokers that have not answered yet (responsePerBroker). When the
// partition's leader dies and leadership moves to a broker that already answered for its own
// partitions, the moved partition's records are never resent, yet sendBatch resolves: the sink
// acknowledges records Kafka never stored (seen here: 260 of 12000, exactly the tail of the
// killed leader's partition). Other runs fail with OUT_OF_ORDER_SEQUENCE_NUMBER instead (the
// idempotent sequence desynchronises), which the sink reports as a failed batch. The check
// flips to a plain test by itself once kafkajs leaves package.json (issue 9, item 3).
const SINK_CLIENT_LOSES_RECORDS = 'kafkajs' in packageJson.dependencies;

let cluster: KafkaClusterHandle;
const sinks: Sink[] = [];

beforeAll(async () => {
  cluster = await startKafkaCluster({ brokers: 3 });
});
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
  await Promise.all(cluster.nodes.map((n) => n.start()));
});
afterAll(async () => {
  await cluster?.stop();
});

async function startedSink(logs = createMemoryLogger()): Promise<Sink> {
  const sink = createKafkaSink(kafkaConfig(cluster.info.bootstrap, { partitions: 3, replicationFactor: 3 }), { logger: logs });
  sinks.push(sink);
  await sink.start();
  return sink;
}

/** Every partition of `topic` has 3 replicas, all in sync. */
async function allInSync(topic: string): Promise<void> {
  await waitFor(async () => {
    const partitions = (await cluster.metadata([topic])).topics[0]?.partitions ?? [];
    return partitions.length === 3 && partitions.every((p) => p.replicas.length === 3 && p.isr.length === 3);
  }, { timeoutMs: 120_000, intervalMs: 250, message: `3 in-sync replicas of every partition of ${topic}` });
}

test('the cluster: a stopped or killed leader is replaced by a survivor; restarted, it rejoins every ISR', async () => {
  process.stderr.write(`[kafka failover] 3-broker cluster JVM RSS: ${cluster.nodes.map((n) => `${n.rssMb()?.toFixed(0)} MB`).join(', ')}\n`);
  const sink = await startedSink();
  const topic = uniqueName('cluster');
  await sink.ensureTopics([topic]);
  await allInSync(topic);
  for (const how of ['stop', 'kill'] as const) {
    const leader = await cluster.leaderOf(topic, 0);
    await cluster.node(leader)[how]();
    expect(cluster.node(leader).running).toBe(false);
    const next = await cluster.leaderOf(topic, 0);
    expect(next).not.toBe(leader);
    const isr = (await cluster.metadata([topic])).topics[0].partitions[0].isr;
    await waitFor(async () => !(await cluster.metadata([topic])).topics[0].partitions[0].isr.includes(leader),
      { timeoutMs: 30_000, message: `node ${leader} out of the ISR (was ${isr.join(',')})` });
    await cluster.node(leader).start();
    await allInSync(topic);
  }
});

(SINK_CLIENT_LOSES_RECORDS ? test.failing : test)('killing the partition leader mid-workload: every publish resolves, nothing lost, no duplicates, per-key order kept', async () => {
  const logs = createMemoryLogger();
  const sink = await startedSink(logs);
  const topic = uniqueName('failover');
  await sink.ensureTopics([topic]);
  await allInSync(topic);

  const CALLS = 60;
  const PER_CALL = 200;
  const KEYS = 30;
  const records = keyedRecords(topic, CALLS * PER_CALL, { keys: KEYS });
  let acked = 0;
  let victim: number | undefined;
  const outstanding = new Set<Promise<void>>();
  for (let c = 0; c < CALLS; c++) {
    if (c === CALLS / 3) {
      // A third in, with calls in flight: kill whoever leads partition 0 right now.
      victim = await cluster.leaderOf(topic, 0);
      await cluster.node(victim).kill();
    }
    const p: Promise<void> = sink.publish(records.slice(c * PER_CALL, (c + 1) * PER_CALL)).then(() => {
      acked += PER_CALL;
      outstanding.delete(p);
    });
    outstanding.add(p);
    if (outstanding.size >= 4) await Promise.race(outstanding);
  }
  await Promise.all(outstanding);
  expect(acked).toBe(CALLS * PER_CALL);

  // Partition 0 has a new leader among the survivors, and the two survivors form its ISR.
  const newLeader = await cluster.leaderOf(topic, 0);
  expect(newLeader).not.toBe(victim);
  await cluster.node(victim!).start();
  await allInSync(topic);

  // Everything up to the high watermarks (acks=-1: every acked record is below them).
  const got = await readTopic(cluster.info.bootstrap, topic, { timeoutMs: 120_000 });
  const perKey = new Map<number, number[]>();
  for (const m of got) {
    const { key, seq } = seqOf(m.value);
    perKey.set(key, [...(perKey.get(key) ?? []), seq]);
  }
  const expected = records.length / KEYS;
  const problems: string[] = [];
  for (let k = 0; k < KEYS; k++) {
    const seqs = perKey.get(k) ?? [];
    const have = new Set(seqs);
    const missing = Array.from({ length: expected }, (_, i) => i).filter((i) => !have.has(i));
    const outOfOrder = seqs.findIndex((v, i) => i > 0 && v <= seqs[i - 1]);
    if (missing.length > 0) problems.push(`key ${k}: ${missing.length} missing (${missing.slice(0, 5).join(',')}...)`);
    if (outOfOrder >= 0) problems.push(`key ${k}: seq ${seqs[outOfOrder]} after ${seqs[outOfOrder - 1]}`);
  }
  expect(problems).toEqual([]);
  expect(got).toHaveLength(records.length);
  process.stderr.write(`[kafka failover] killed node ${victim} (leader of ${topic}-0), new leader ${newLeader}; ` +
    `${acked} records acked, ${got.length} stored; JVM RSS ${cluster.nodes.map((n) => `${n.rssMb()?.toFixed(0)} MB`).join(', ')}; warnings logged: ${logs.entries.filter((e) => e.level === 'warn').length}\n`);
});

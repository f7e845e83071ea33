/**
 * kafka-sink: the Kafka sink alone, in this process, on the run's broker: CPU time per message
 * (process CPU time / messages) for Debezium-sized messages (~450 B value, a key, two headers:
 * `op` and the sink's `walcast.id`), idempotent with acks=-1, 1000 records per publish call and
 * per produce request. Reference: @platformatic/kafka's producer on its own (its Java-compatible
 * partitioner, its string header serializers), one send of 1000 at a time: what the client costs
 * without walcast's sink around it. Both cycle through the same 16 prebuilt batches, so the timed
 * loop holds sending only, no message building.
 * Beside them, the sink with exactly-once (sink.kafka.exactlyOnce): each call of 1000 is one
 * PostgreSQL transaction, so one Kafka transaction (AddPartitionsToTxn, the records, the offset
 * record, EndTxn) per 1000 messages; and the sink and the bare producer with zstd compression.
 * The broker's CPU per message is read from /proc over each one's turns (every send waits for
 * its ack, so the broker's work for a turn falls inside it).
 */
import { compatibilityPartitioner, ProduceAcks, Producer, stringSerializer, type MessageToProduce } from '@platformatic/kafka';
import type { KafkaOptions } from '../../connector/sink/kafka/options';
import { silentLogger } from '../../connector/observe/logger';
import { createKafkaSink, ID_HEADER } from '../../connector/sink/kafka';
import type { SinkRecord } from '../../connector/model/record';
import { lsn } from '../../connector/protocol/lsn';
import { offsetKeyOf } from '../../connector/sink/kafka/transactions';
import type { BenchContext, Scenario } from '../lib/context';
import { readCpuSeconds } from '../lib/proc';
import { ResultTable } from '../lib/table';

const MAX_MESSAGES = 200_000;
const BATCH = 1000;
const PARTITIONS = 3;
/** Distinct prebuilt batches the timed loop cycles through (~7 MB): no message is built while timed. */
const POOL = 16;

function value(i: number): Buffer {
  const envelope = {
    before: null,
    after: { id: i, customer_id: i % 997, status: 'paid', total: '123.45', note: 'x'.repeat(120), created_at: 1733040000000000 },
    source: { version: '0.1.0', connector: 'postgresql', name: 'bench', ts_ms: 1733040000000, snapshot: 'false', db: 'bench', schema: 'public', table: 'orders', txId: 1234, lsn: 123456789 },
    op: 'c', ts_ms: 1733040000000,
  };
  return Buffer.from(JSON.stringify(envelope).padEnd(450, ' '));
}

function records(topic: string, from: number, n: number): SinkRecord[] {
  return Array.from({ length: n }, (_, k) => ({
    topic, id: `0/1000:${from + k}`, key: Buffer.from(`{"id":${from + k}}`), value: value(from + k), headers: { op: 'c' },
  }));
}

interface Measured { readonly cpuUsPerMessage: number; readonly messagesPerSecond: number; readonly brokerUsPerMessage: number | null }

/** One way of sending, with its batches built before any clock starts. */
interface Contender {
  readonly warmUp: () => Promise<void>;
  /** Sends the prebuilt batch for message number `from` (the pool is cycled). */
  readonly send: (from: number) => Promise<void>;
}

function contender<B>(build: (from: number) => B, run: (batch: B, from: number) => Promise<void>): Contender {
  const pool = Array.from({ length: POOL }, (_, k) => build(k * BATCH));
  return {
    // Connections, metadata, producer id, JIT.
    warmUp: async () => { for (let k = 1; k <= 3; k++) await run(build(-k * BATCH), -k * BATCH); },
    send: (from) => run(pool[(from / BATCH) % POOL]!, from),
  };
}

/** Batches per turn: each contender sends this many, then the next one takes its turn. */
const TURN = 10;

/**
 * Sends `n` messages through each contender, in interleaved turns of TURN batches: on a shared
 * machine a burst of load from elsewhere then lands on all of them alike, not on one.
 * CPU: process.cpuUsage() over each contender's own turns only.
 */
async function measureInterleaved(n: number, contenders: readonly Contender[], brokerPid: number | undefined): Promise<Measured[]> {
  for (const c of contenders) await c.warmUp();
  const cpu = contenders.map(() => 0);
  const wall = contenders.map(() => 0);
  const broker: (number | null)[] = contenders.map(() => 0);
  const brokerCpu = (): number | null => (brokerPid === undefined ? null : readCpuSeconds(brokerPid));
  for (let turn = 0; turn < n; turn += TURN * BATCH) {
    for (let c = 0; c < contenders.length; c++) {
      const brokerBefore = brokerCpu();
      const before = process.cpuUsage();
      const started = process.hrtime.bigint();
      for (let at = turn; at < Math.min(n, turn + TURN * BATCH); at += BATCH) await contenders[c]!.send(at);
      wall[c]! += Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(before);
      cpu[c]! += used.user + used.system;
      const brokerAfter = brokerCpu();
      broker[c] = brokerBefore === null || brokerAfter === null || broker[c] === null ? null : broker[c]! + (brokerAfter - brokerBefore);
    }
  }
  return contenders.map((_, c) => ({
    cpuUsPerMessage: cpu[c]! / n, messagesPerSecond: n / wall[c]!, brokerUsPerMessage: broker[c] === null ? null : (broker[c]! * 1e6) / n,
  }));
}

export const kafkaSink: Scenario = {
  name: 'kafka-sink',
  summary: 'the Kafka sink alone: CPU us per ~450 B message, acks=-1, batches of 1000, vs the client library alone',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const n = Math.min(ctx.rows, MAX_MESSAGES);
    const bootstrap = await ctx.kafka();
    const config: KafkaOptions = {
      brokers: [bootstrap], clientId: 'walcast-bench-sink', partitions: PARTITIONS, replicationFactor: 1, createTopics: true,
      compression: 'none', topicConfig: [], batchMaxRecords: BATCH, batchMaxBytes: 1_000_000, requestTimeoutMs: 30_000, transactionTimeoutMs: 60_000,
      ssl: false, sslCaFile: '', sslCertFile: '', sslKeyFile: '', saslMechanism: 'none', saslUsername: '', saslPassword: '', exactlyOnce: false, transactionalId: '',
    format: 'json', schemaRegistry: { url: '', username: '', password: '' },
    };
    const sinkTopic = `bench.sink.${process.pid}`;
    const rawTopic = `bench.raw.${process.pid}`;

    ctx.progress(`kafka-sink: ${n.toLocaleString('en-US')} messages each through walcast's sink, the sink with exactly-once and the bare producer, interleaved`);
    const txTopic = `bench.tx.${process.pid}`;
    const sink = createKafkaSink(config, { logger: silentLogger });
    const zstdSink = createKafkaSink({ ...config, clientId: 'walcast-bench-sink-zstd', compression: 'zstd' }, { logger: silentLogger });
    const eosSink = createKafkaSink(config, {
      logger: silentLogger,
      exactlyOnce: { transactionalId: `walcast-bench-${process.pid}`, offsetsTopic: `bench.state.${process.pid}`, offsetKey: offsetKeyOf('bench'), slot: 'bench' },
    });
    const bareProducer = (clientId: string, compression: 'none' | 'zstd') => new Producer<Buffer, Buffer, string, string>({
      clientId, bootstrapBrokers: [bootstrap], idempotent: true, acks: ProduceAcks.ALL, compression,
      partitioner: compatibilityPartitioner, serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
    const producer = bareProducer('walcast-bench-raw', 'none');
    const zstdProducer = bareProducer('walcast-bench-raw-zstd', 'zstd');
    const bareMessages = (topic: string) => (from: number) => records(topic, from, BATCH).map((r): MessageToProduce<Buffer, Buffer, string, string> => ({
      topic: r.topic, key: r.key ?? undefined, value: r.value ?? undefined, headers: new Map([['op', 'c'], [ID_HEADER, r.id]]),
    }));
    const zstdSinkTopic = `bench.sink-zstd.${process.pid}`;
    const zstdRawTopic = `bench.raw-zstd.${process.pid}`;
    let viaSink: Measured;
    let transactional: Measured;
    let bare: Measured;
    let viaZstdSink: Measured;
    let bareZstd: Measured;
    try {
      await sink.start();
      await eosSink.start();
      await zstdSink.start();
      await sink.ensureTopics([sinkTopic, rawTopic, txTopic, zstdSinkTopic, zstdRawTopic]);
      [viaSink, transactional, bare, viaZstdSink, bareZstd] = await measureInterleaved(n, [
        contender((from) => records(sinkTopic, from, BATCH), (batch) => sink.publish(batch)),
        contender((from) => records(txTopic, from, BATCH),
          (batch, from) => eosSink.publish(batch, { lsn: { commitLsn: lsn(1_000_000 + from), endLsn: lsn(1_000_000 + from + 1) } })),
        contender(bareMessages(rawTopic), (messages) => producer.send({ messages }).then(() => undefined)),
        contender((from) => records(zstdSinkTopic, from, BATCH), (batch) => zstdSink.publish(batch)),
        contender(bareMessages(zstdRawTopic), (messages) => zstdProducer.send({ messages }).then(() => undefined)),
      ], await ctx.kafkaPid()) as [Measured, Measured, Measured, Measured, Measured];
    } finally {
      await sink.stop();
      await eosSink.stop();
      await zstdSink.stop();
      await producer.close(true);
      await zstdProducer.close(true);
    }
    const row = (name: string, m: Measured, reference: Measured) =>
      [name, m.cpuUsPerMessage, Math.round(m.messagesPerSecond), m.cpuUsPerMessage / reference.cpuUsPerMessage, m.brokerUsPerMessage];

    return [{
      title: `kafka-sink: ${n.toLocaleString('en-US')} messages of ~450 B, acks=-1, idempotent, ${BATCH} per request, ${PARTITIONS} partitions`,
      columns: ['', 'CPU us/message', 'messages/s', 'CPU vs bare producer (same codec)', 'broker CPU us/message'],
      rows: [
        row('walcast Kafka sink', viaSink, bare),
        row('walcast Kafka sink, exactly-once (1 transaction / 1000)', transactional, bare),
        row('@platformatic/kafka producer alone', bare, bare),
        row('walcast Kafka sink, zstd', viaZstdSink, bareZstd),
        row('@platformatic/kafka producer alone, zstd', bareZstd, bareZstd),
      ],
      notes: [
        `CPU: process.cpuUsage() (user + system) of the bench process over each one's own turns / messages; the five take turns of ${TURN} requests; the broker JVM's CPU (/proc) over the same turns is in the last column.`,
        'Issue 9 reference: kafkajs spent 15-22 us/message on the same kind of messages.',
      ],
    }];
  },
};

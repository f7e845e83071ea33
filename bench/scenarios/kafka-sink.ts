/**
 * kafka-sink: the Kafka sink alone, in this process, on the run's broker: CPU time per message
 * (process CPU time / messages) for Debezium-sized messages (~450 B value, a key, two headers:
 * `op` and the sink's `walcast.id`), idempotent with acks=-1, 1000 records per publish call and
 * per produce request. Reference: @platformatic/kafka's producer on its own, the same messages
 * prebuilt, one send of 1000 at a time: what the client costs without walcast's sink around it.
 * Beside them, the sink with exactly-once (sink.kafka.exactlyOnce): each call of 1000 is one
 * PostgreSQL transaction, so one Kafka transaction (AddPartitionsToTxn, the records, the offset
 * record, EndTxn) per 1000 messages.
 */
import { ProduceAcks, Producer, stringSerializer, type MessageToProduce } from '@platformatic/kafka';
import type { KafkaOptions } from '../../connector/sink/kafka/options';
import { silentLogger } from '../../connector/observe/logger';
import { createKafkaSink, ID_HEADER } from '../../connector/sink/kafka';
import { javaCompatiblePartitioner } from '../../connector/sink/kafka/partitioner';
import type { SinkRecord } from '../../connector/model/record';
import { lsn } from '../../connector/protocol/lsn';
import { offsetKeyOf } from '../../connector/sink/kafka/transactions';
import type { BenchContext, Scenario } from '../lib/context';
import { ResultTable } from '../lib/table';

const MAX_MESSAGES = 200_000;
const BATCH = 1000;
const PARTITIONS = 3;

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

interface Measured { readonly cpuUsPerMessage: number; readonly messagesPerSecond: number }

async function measure(n: number, run: (from: number) => Promise<void>): Promise<Measured> {
  await run(-BATCH); // warm-up: connections, metadata, producer id, JIT
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let at = 0; at < n; at += BATCH) await run(at);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { cpuUsPerMessage: (used.user + used.system) / n, messagesPerSecond: n / seconds };
}

export const kafkaSink: Scenario = {
  name: 'kafka-sink',
  summary: 'the Kafka sink alone: CPU us per ~450 B message, acks=-1, batches of 1000, vs the client library alone',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const n = Math.min(ctx.rows, MAX_MESSAGES);
    const bootstrap = await ctx.kafka();
    const config: KafkaOptions = {
      brokers: [bootstrap], clientId: 'walcast-bench-sink', partitions: PARTITIONS, replicationFactor: 1, createTopics: true,
      compression: 'none', topicConfig: [], batchMaxRecords: BATCH, requestTimeoutMs: 30_000,
      ssl: false, sslCaFile: '', sslCertFile: '', sslKeyFile: '', saslMechanism: 'none', saslUsername: '', saslPassword: '', exactlyOnce: false, transactionalId: '',
    format: 'json', schemaRegistry: { url: '', username: '', password: '' },
    };
    const sinkTopic = `bench.sink.${process.pid}`;
    const rawTopic = `bench.raw.${process.pid}`;

    ctx.progress(`kafka-sink: ${n.toLocaleString('en-US')} messages through walcast's sink`);
    const sink = createKafkaSink(config, { logger: silentLogger });
    await sink.start();
    let viaSink: Measured;
    try {
      await sink.ensureTopics([sinkTopic, rawTopic]);
      viaSink = await measure(n, (from) => sink.publish(records(sinkTopic, from, BATCH)));
    } finally {
      await sink.stop();
    }

    ctx.progress(`kafka-sink: ${n.toLocaleString('en-US')} messages through walcast's sink, exactly-once`);
    const txTopic = `bench.tx.${process.pid}`;
    const eosSink = createKafkaSink(config, {
      logger: silentLogger,
      exactlyOnce: { transactionalId: `walcast-bench-${process.pid}`, offsetsTopic: `bench.state.${process.pid}`, offsetKey: offsetKeyOf('bench'), slot: 'bench' },
    });
    await eosSink.start();
    let transactional: Measured;
    try {
      await eosSink.ensureTopics([txTopic]);
      transactional = await measure(n, (from) => eosSink.publish(records(txTopic, from, BATCH), {
        lsn: { commitLsn: lsn(1_000_000 + from), endLsn: lsn(1_000_000 + from + 1) },
      }));
    } finally {
      await eosSink.stop();
    }

    ctx.progress(`kafka-sink: ${n.toLocaleString('en-US')} messages through the bare producer`);
    const producer = new Producer<Buffer, Buffer, string, string>({
      clientId: 'walcast-bench-raw', bootstrapBrokers: [bootstrap], idempotent: true, acks: ProduceAcks.ALL,
      partitioner: javaCompatiblePartitioner(), serializers: { headerKey: stringSerializer, headerValue: stringSerializer },
    });
    let bare: Measured;
    try {
      bare = await measure(n, (from) => {
        const messages: MessageToProduce<Buffer, Buffer, string, string>[] = records(rawTopic, from, BATCH).map((r) => ({
          topic: r.topic, key: r.key ?? undefined, value: r.value ?? undefined, headers: new Map([['op', 'c'], [ID_HEADER, r.id]]),
        }));
        return producer.send({ messages }).then(() => undefined);
      });
    } finally {
      await producer.close(true);
    }

    return [{
      title: `kafka-sink: ${n.toLocaleString('en-US')} messages of ~450 B, acks=-1, idempotent, ${BATCH} per request, ${PARTITIONS} partitions`,
      columns: ['', 'CPU us/message', 'messages/s', 'CPU vs bare producer'],
      rows: [
        ['walcast Kafka sink', viaSink.cpuUsPerMessage, Math.round(viaSink.messagesPerSecond), viaSink.cpuUsPerMessage / bare.cpuUsPerMessage],
        ['walcast Kafka sink, exactly-once (1 transaction / 1000)', transactional.cpuUsPerMessage, Math.round(transactional.messagesPerSecond), transactional.cpuUsPerMessage / bare.cpuUsPerMessage],
        ['@platformatic/kafka producer alone', bare.cpuUsPerMessage, Math.round(bare.messagesPerSecond), 1],
      ],
      notes: [
        'CPU: process.cpuUsage() (user + system) of the bench process over the timed loop / messages; the broker JVM is not counted.',
        'Issue 9 reference: kafkajs spent 15-22 us/message on the same kind of messages.',
      ],
    }];
  },
};

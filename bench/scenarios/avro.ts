/**
 * avro: the cost of sink.kafka.format avro over json, in this process, without a broker. The
 * envelope stage builds Debezium records of a 9-column table (int8 key, text, numeric(10,2),
 * timestamptz, date, float8, bytea, bool, text[]) with envelope.schemas on; the Avro serializer
 * turns keys and values into the Confluent wire format (schemas registered once, in Confluent's
 * in-memory registry client). Reference: the same records' JSON, which format json sends as
 * they are (no serializer step). Reported: CPU µs per record of the serializer step, and bytes
 * per value in each format.
 */
import { MockClient } from '@confluentinc/schemaregistry/dist/mock-schemaregistry-client';
import type { EnvelopeOptions } from '../../connector/envelope/options';
import type { Column, Relation } from '../../connector/model/change';
import { EnvelopeBuilder, type TxContext } from '../../connector/envelope/builder';
import { lsn, parseLsn } from '../../connector/protocol/lsn';
import { avroSerializer } from '../../connector/sink/kafka/avro/avro-serializer';
import type { SinkRecord } from '../../connector/model/record';
import type { BenchContext, Scenario } from '../lib/context';
import type { ResultTable } from '../lib/table';

const MAX_RECORDS = 200_000;
const BATCH = 1000;

const OPTIONS: EnvelopeOptions = {
  tombstonesOnDelete: true, decimalHandling: 'precise', timePrecision: 'adaptive', binaryHandling: 'bytes', intervalHandling: 'numeric',
  skippedOperations: [], messagePrefixInclude: [], messagePrefixExclude: [], columnInclude: [], columnExclude: [], columnTruncate: [],
  columnMask: [], columnMaskWithHash: [], columnHashAlgorithm: 'SHA-256', columnHashSalt: '', messageKeyColumns: [],
};
const col = (name: string, typeOid: number, isKey = false, typeMod = -1): Column => ({ name, typeOid, typeMod, isKey });
const ORDERS: Relation = {
  oid: 16384, schema: 'public', table: 'orders', replicaIdentity: 'default',
  columns: [col('id', 20, true), col('status', 25), col('amount', 1700, false, (10 << 16) + 2 + 4), col('at', 1184), col('day', 1082),
    col('ratio', 701), col('blob', 17), col('ok', 16), col('tags', 1009)],
};
const TX: TxContext = { xid: 771, commitLsn: parseLsn('0/16E8A58'), commitTimeUs: 1700000000000001n, lastCommitLsn: lsn(24000000) };

function build(n: number, schemas: boolean): SinkRecord[] {
  const builder = new EnvelopeBuilder({ connectorName: 'bench', topicPrefix: 'bench', database: 'bench', version: '0.1.0', options: { ...OPTIONS, schemas } });
  const out: SinkRecord[] = [];
  for (let i = 0; i < n; i += 1) {
    const row = [String(i), 'paid', `${i % 10_000}.25`, '2024-03-01 10:20:30.123456+00', '2024-03-01', String(i / 7), '\\x00ff10', 't', '{a,b}'];
    out.push(...builder.records({ kind: 'insert', lsn: lsn(24023128 + i), relation: ORDERS, after: row }, TX, i, 1700000000123456n));
  }
  return out;
}

export const avro: Scenario = {
  name: 'avro',
  summary: 'sink.kafka.format avro: serializer CPU per record and value size vs the JSON records',
  async run(ctx: BenchContext): Promise<ResultTable[]> {
    const n = Math.min(ctx.rows, MAX_RECORDS);
    ctx.progress(`avro: building ${n.toLocaleString('en-US')} records`);
    const json = build(n, false);
    const withSchemas = build(n, true);
    const client = new MockClient();
    const serialize = avroSerializer({ register: (s, schema) => client.register(s, { schemaType: 'AVRO', schema }), check: async () => 0, close: () => undefined });
    await serialize(withSchemas.slice(0, BATCH)); // warm-up: registration, compilation, JIT
    ctx.progress(`avro: serializing ${n.toLocaleString('en-US')} records`);
    let avroBytes = 0;
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let at = 0; at < n; at += BATCH) {
      for (const r of await serialize(withSchemas.slice(at, at + BATCH))) avroBytes += r.value!.length;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    const jsonBytes = json.reduce((sum, r) => sum + r.value!.length, 0);
    const schemaJsonBytes = withSchemas.reduce((sum, r) => sum + r.value!.length, 0);
    return [{
      title: `avro: ${n.toLocaleString('en-US')} Debezium records of a 9-column table, ${BATCH} per call`,
      columns: ['', 'CPU us/record', 'records/s', 'bytes/value'],
      rows: [
        ['Avro serializer (schemas-on JSON -> wire format)', (used.user + used.system) / n, Math.round(n / seconds), avroBytes / n],
        ['format json (records sent as built, schemas off)', 0, '-', jsonBytes / n],
        ['envelope.schemas JSON (the serializer\'s input)', '-', '-', schemaJsonBytes / n],
      ],
      notes: [
        'CPU: process.cpuUsage() over the timed loop / records; building the records is not counted (the envelope bench covers it).',
        'Registry: Confluent\'s in-memory client; a real registry is asked once per subject and schema.',
      ],
    }];
  },
};

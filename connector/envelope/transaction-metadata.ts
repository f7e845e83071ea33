/**
 * Transaction metadata (envelope.transactionMetadata; Debezium provide.transaction.metadata),
 * as Debezium 3.6.1's PostgreSQL connector writes it (test/integration/compat/transactions.test.ts):
 *
 * - On `<prefix>.transaction`, keyed `{"id":<id>}`: a BEGIN record when the transaction starts,
 *   `{"status":"BEGIN","id":..,"event_count":null,"data_collections":null,"ts_ms":<commit time>}`,
 *   and an END record at its commit with the event count in total and per table
 *   (`data_collections: [{"data_collection":"schema.table","event_count":n}]`).
 * - In every change event of the transaction, `transaction: {"id","total_order","data_collection_order"}`:
 *   the event's position in the transaction and among the transaction's events of its table.
 *   Tombstones are not events; the two halves of a key change are two.
 * - Ids are `<txId>:<lsn>` where the LSN is the position of what the record describes: the
 *   BEGIN message's WAL position for BEGIN, the event's LSN for an event, the transaction's end
 *   LSN for END (so one transaction's records carry different ids; Debezium's do too).
 * - data_collections lists the tables in java.util.HashMap iteration order (Debezium keeps the
 *   counts in a HashMap): by bucket of the name's String.hashCode, then insertion order.
 * - A logical message counts as an event of a data collection of its own, one per message
 *   (Debezium's key is a new object per message); walcast names it by the message's prefix where
 *   Debezium prints a Java object reference (README: known differences).
 */
import { NO_HEADERS } from './builder';
import { hashMapOrder } from './values/java-hash-map';
import type { SinkRecord } from '../model/record';
import { quoteJson } from './json';
import { FIXED_HEADS, wrapPayload } from './schema-envelope';
import { sanitizeTopicPrefix } from '../model/topic';

/** `<prefix>.transaction` (Debezium's default transaction.topic naming). */
export function transactionTopicName(prefix: string): string {
  return `${sanitizeTopicPrefix(prefix)}.transaction`;
}

/** A transaction-topic record's JSON texts (key and value), before schemas and ids. */
export interface TransactionRecordText {
  readonly key: string;
  readonly value: string;
}

interface Collection {
  /** `schema.table` (or a message prefix), as written in END; HashMap order is by it. */
  readonly name: string;
  count: number;
}

/** One open transaction's counters. */
export class OpenTransaction {
  private total = 0;
  private readonly tables = new Map<string, Collection>();
  private readonly messages: Collection[] = [];
  private readonly idPrefix: string;

  constructor(xid: number, private readonly commitTimeMs: bigint) {
    this.idPrefix = `"${xid}:`;
  }

  /** BEGIN, its id at `beginLsn` (the BEGIN message's WAL position). */
  begin(beginLsn: bigint): TransactionRecordText {
    const id = `${this.idPrefix}${beginLsn}"`;
    return {
      key: `{"id":${id}}`,
      value: `{"status":"BEGIN","id":${id},"event_count":null,"data_collections":null,"ts_ms":${this.commitTimeMs}}`,
    };
  }

  /**
   * The `transaction` block of the next event of a table (counted); schema and table come as
   * JSON strings, as the envelope holds them.
   */
  event(schemaJson: string, tableJson: string, lsn: bigint): string {
    const key = schemaJson + tableJson;
    let c = this.tables.get(key);
    if (c === undefined) {
      this.tables.set(key, (c = { name: `${JSON.parse(schemaJson) as string}.${JSON.parse(tableJson) as string}`, count: 0 }));
    }
    c.count++;
    return this.block(lsn, c.count);
  }

  /** The `transaction` block of a logical message (a collection of its own). */
  message(prefix: string, lsn: bigint): string {
    this.messages.push({ name: prefix, count: 1 });
    return this.block(lsn, 1);
  }

  /** END at `endLsn` with the counts. */
  end(endLsn: bigint): TransactionRecordText {
    const id = `${this.idPrefix}${endLsn}"`;
    const byName = new Map([...this.tables.values()].map((c) => [c.name, c]));
    const order = hashMapOrder([...byName.keys()]).map((n) => byName.get(n)!);
    const collections = [...order, ...this.messages]
      .map((c) => `{"data_collection":${quoteJson(c.name)},"event_count":${c.count}}`).join(',');
    return {
      key: `{"id":${id}}`,
      value: `{"status":"END","id":${id},"event_count":${this.total},"data_collections":[${collections}],"ts_ms":${this.commitTimeMs}}`,
    };
  }

  private block(lsn: bigint, collectionOrder: number): string {
    this.total++;
    return `{"id":${this.idPrefix}${lsn}","total_order":${this.total},"data_collection_order":${collectionOrder}}`;
  }
}

/** A transaction-topic record ready for the sink (`{schema, payload}` when schemas are on). */
export function transactionRecord(topic: string, text: TransactionRecordText, id: string, schemas: boolean): SinkRecord {
  const key = Buffer.from(text.key, 'utf8');
  const value = Buffer.from(text.value, 'utf8');
  return {
    topic, id, headers: NO_HEADERS,
    key: schemas ? wrapPayload(FIXED_HEADS.transactionKey, key) : key,
    value: schemas ? wrapPayload(FIXED_HEADS.transactionValue, value) : value,
  };
}


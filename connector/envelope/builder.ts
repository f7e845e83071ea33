/**
 * Change events -> Debezium-compatible records (schemas disabled). Pure: no I/O, no clock (the
 * caller passes processing time), deterministic ids `<commit lsn>:<index in transaction>`.
 *
 * Debezium PostgreSQL connector behaviour reproduced here:
 * - insert -> op 'c'; update -> op 'u' with `before` only when the server sent the full old row
 *   (REPLICA IDENTITY FULL); delete -> op 'd' (key-only old rows have null non-key columns)
 *   followed by a tombstone (same key, null value) when tombstones are on.
 * - An update that changes the key is emitted as a delete of the old key (header
 *   `__debezium.newkey`), a tombstone for the old key, and a create of the new row (header
 *   `__debezium.oldkey`), so compacted topics drop the old key.
 * - truncate -> one op 't' record per table, key null; logical decoding message -> op 'm' on
 *   `<prefix>.message`, key {prefix}, value.message = {prefix, content}, the content encoded per
 *   binary.handling.mode as Debezium does (base64 for bytes).
 * - source.sequence is the JSON text `["<last commit lsn>","<lsn>"]` (decimal LSNs, null when
 *   unknown), as Debezium writes it.
 * Tables without key columns get a null key and no tombstone (a null-key tombstone compacts
 * nothing and compacted topics reject it).
 */
import type { EnvelopeOptions, SkippableOperation } from './options';
import type { DataEvent, DeleteEvent, MessageEvent, Relation, Tuple, UpdateEvent } from '../model/change';
import type { UserTypes } from '../model/user-types';
import { encodeBinary } from './values/binary';
import { formatLsn, type Lsn } from '../protocol/lsn';
import type { SinkRecord } from '../model/record';
import { columnControls } from './column-controls';
import { eventFilter, skippedByOperation } from './event-filter';
import { quoteJson } from './json';
import { rowJsonFromKey } from './missing-row';
import { RelationStates, keyChanged, keyJson, keyOnlyRowJson, rowJson, type NotNullColumns, type RelationState } from './row';
import { messageTopicName } from '../model/topic';
import { FIXED_HEADS, SchemaEnvelopes, wrapPayload, type ColumnDefaultTexts, type SchemaEnvelopeContext } from './schema-envelope';
import { createSchemaNameAdjuster, type OnSchemaNameAdjusted } from './schema-name';
import type { OpenTransaction } from './transaction-metadata';
import type { TableSchemas } from './connect-schema';

export interface EnvelopeContext {
  readonly connectorName: string;
  readonly topicPrefix: string;
  readonly database: string;
  readonly version: string;
  readonly options: EnvelopeOptions;
  /** Types created in the database (enums, domains, extension types), read at connect. */
  readonly userTypes?: UserTypes;
  /** NOT NULL columns per table, for Debezium's fallback values in key-only old rows. */
  readonly notNullColumns?: NotNullColumns;
  /**
   * Literal column defaults (PostgreSQL text): the Connect schemas carry them (envelope.schemas, Avro)
   * and they replace nulls (envelope.replaceNullWithDefault).
   */
  readonly columnDefaults?: ColumnDefaultTexts;
  /** Told once per record name envelope.schemaNameAdjustment changed (Debezium logs a warning). */
  readonly onSchemaNameAdjusted?: OnSchemaNameAdjusted;
}

/** The defaults that replace nulls: the loaded ones unless envelope.replaceNullWithDefault is false. */
function nullDefaults(ctx: EnvelopeContext): ColumnDefaultTexts | undefined {
  return ctx.options.replaceNullWithDefault === false ? undefined : ctx.columnDefaults;
}

export interface TxContext {
  readonly xid: number;
  readonly commitLsn: Lsn;
  /** Commit time, µs since the Unix epoch. */
  readonly commitTimeUs: bigint;
  /** Commit LSN of the previous transaction, for source.sequence; null when unknown. */
  readonly lastCommitLsn: Lsn | null;
  /** envelope.transactionMetadata: the open transaction's counters (the `transaction` block). */
  readonly metadata?: OpenTransaction;
}

export type SnapshotMarker = 'first' | 'true' | 'last' | 'first_in_data_collection' | 'last_in_data_collection';

type Op = 'c' | 'u' | 'd' | 't' | 'm' | 'r';

/** The `op` header of each record kind, shared (frozen) by every record of it. */
export const OP_HEADERS: Readonly<Record<Op, Readonly<Record<string, string>>>> = {
  c: Object.freeze({ op: 'c' }),
  u: Object.freeze({ op: 'u' }),
  d: Object.freeze({ op: 'd' }),
  t: Object.freeze({ op: 't' }),
  m: Object.freeze({ op: 'm' }),
  r: Object.freeze({ op: 'r' }),
};

/** Headers of records that carry none (heartbeats, transaction metadata). */
export const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The varying fields of `source`; schema and table arrive as JSON text. */
interface SourceInfo {
  readonly tsUs: bigint;
  readonly snapshot: string;
  readonly lastLsn: bigint | null;
  readonly lsn: bigint;
  readonly schemaJson: string;
  readonly tableJson: string;
  readonly txId: number | null;
}

/** One record before id assignment. */
interface Draft {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** source.sequence as a JSON string literal: the text `["<last>","<lsn>"]`, decimal LSNs. */
function sequenceJson(last: bigint | null, lsn: bigint): string {
  return `"[${last === null ? 'null' : `\\"${last}\\"`},\\"${lsn}\\"]"`;
}

function utf8(text: string | null): Buffer | null {
  return text === null ? null : Buffer.from(text, 'utf8');
}

/**
 * Envelopes have a fixed shape, so they are written as JSON text directly (field values go
 * through toJson); the field order is the one DESIGN.md shows.
 */
export class EnvelopeBuilder {
  protected readonly states: RelationStates;
  private readonly messageTopic: string;
  /** `{"version":..,"connector":"postgresql","name":..,"ts_ms":` — constant per connector. */
  protected readonly sourceHead: string;
  protected readonly dbJson: string;
  /** formatLsn of the last commit seen: every event of a transaction shares it. */
  private idLsn: Lsn | null = null;
  private idPrefix = '';
  /** skipped operations and logical-message prefix lists. */
  protected readonly keep: (event: DataEvent) => boolean;
  private readonly skipped: ReadonlySet<SkippableOperation>;
  /** envelope.schemas: wraps keys and values as `{schema, payload}`; null when off. */
  private readonly schemas: SchemaEnvelopes | null;
  /** The transaction of the event being built (records()), for the `transaction` block. */
  private txMeta: OpenTransaction | null = null;
  /** Builds and caches the Connect schemas for tableSchemas() (the same instance as `schemas` when on). */
  private schemaSource: SchemaEnvelopes | null = null;
  /** The context of both: one name adjuster per connector (it remembers names, for conflicts). */
  private readonly schemaCtx: SchemaEnvelopeContext;

  constructor(protected readonly ctx: EnvelopeContext) {
    this.keep = eventFilter(ctx.options);
    this.skipped = new Set(ctx.options.skippedOperations);
    this.states = new RelationStates(ctx.topicPrefix, ctx.options, ctx.userTypes, ctx.notNullColumns, columnControls(ctx.options),
      nullDefaults(ctx));
    this.messageTopic = messageTopicName(ctx.topicPrefix);
    this.sourceHead =
      `{"version":${quoteJson(ctx.version)},"connector":"postgresql","name":${quoteJson(ctx.connectorName)},"ts_ms":`;
    this.dbJson = quoteJson(ctx.database);
    this.schemaCtx = { ...ctx, adjustName: createSchemaNameAdjuster(ctx.options.schemaNameAdjustment ?? 'none', ctx.onSchemaNameAdjusted) };
    this.schemas = ctx.options.schemas === true ? new SchemaEnvelopes(this.schemaCtx, ctx.options.binaryHandling, columnControls(ctx.options)) : null;
  }

  /**
   * Debezium's Kafka Connect schemas of a relation (key, value, envelope), built once per relation
   * (per column set), whatever envelope.schemas says: other formats (Avro) derive theirs from them.
   */
  tableSchemas(relation: Relation): TableSchemas {
    const state = this.states.get(relation);
    this.schemaSource ??= this.schemas ?? new SchemaEnvelopes(this.schemaCtx, this.ctx.options.binaryHandling, columnControls(this.ctx.options));
    return this.schemaSource.schemasOf(relation, state.topic, state);
  }

  /** Topic of a relation (cached with its converters). */
  topicOf(relation: Relation): string {
    return this.states.get(relation).topic;
  }

  /** True when envelope.skippedOperations drops this change by its kind (no records at all). */
  isSkippedOperation(event: DataEvent): boolean {
    return skippedByOperation(this.skipped, event);
  }

  /** The records for one change; ids `<commit lsn>:<firstIndex + position>`. */
  records(event: DataEvent, tx: TxContext, firstIndex: number, nowUs: bigint): SinkRecord[] {
    if (!this.keep(event)) return [];
    this.txMeta = tx.metadata ?? null;
    const drafts: Draft[] = [];
    switch (event.kind) {
      case 'insert': {
        const state = this.states.get(event.relation);
        const after = rowJson(state, event.after, null);
        const source = this.streamSource(state, event.lsn, tx);
        drafts.push(this.draft(state.topic, utf8(keyJson(state, event.after, null)), null, after, source, 'c', nowUs));
        break;
      }
      case 'update':
        this.update(event, tx, nowUs, drafts);
        break;
      case 'delete':
        this.delete(event, tx, nowUs, drafts);
        break;
      case 'truncate':
        for (const relation of event.relations) {
          const state = this.states.get(relation);
          drafts.push(this.draft(state.topic, null, null, null, this.streamSource(state, event.lsn, tx), 't', nowUs));
        }
        break;
      case 'message':
        drafts.push(this.message(event, tx, nowUs));
        break;
    }
    if (this.idLsn !== tx.commitLsn) {
      this.idLsn = tx.commitLsn;
      this.idPrefix = formatLsn(tx.commitLsn) + ':';
    }
    const prefix = this.idPrefix;
    const out = this.schemas === null ? drafts : this.withSchemas(event, drafts);
    return out.map((d, i) => ({ ...d, id: prefix + (firstIndex + i) }));
  }

  /** envelope.schemas: each draft's key and value wrapped with its relation's (or the message's) schemas. */
  private withSchemas(event: DataEvent, drafts: Draft[]): Draft[] {
    const schemas = this.schemas!;
    if (event.kind === 'message') {
      return drafts.map((d) => ({ ...d, key: wrapPayload(FIXED_HEADS.messageKey, d.key), value: wrapPayload(schemas.messageValue, d.value) }));
    }
    // A truncate gives one draft per relation, in order; any other change drafts of one relation.
    return drafts.map((d, i) => {
      const relation = event.kind === 'truncate' ? event.relations[i]! : event.relation;
      const state = this.states.get(relation);
      return { ...d, ...schemas.wrap(relation, state.topic, state, d.key, d.value) };
    });
  }

  /**
   * A snapshot read (op 'r') of one row; `id` is chosen by the snapshotter. `snapshotTxId` is
   * source.txId (Debezium: the snapshot transaction's id; walcast: the snapshot's xmax).
   */
  snapshotRecord(
    relation: Relation, row: Tuple, marker: SnapshotMarker, snapshotLsn: Lsn, id: string, nowUs: bigint,
    snapshotTxId: number | null = null,
  ): SinkRecord {
    const state = this.states.get(relation);
    const source: SourceInfo = {
      tsUs: nowUs,
      snapshot: marker,
      lastLsn: null,
      lsn: snapshotLsn,
      schemaJson: state.schemaJson,
      tableJson: state.tableJson,
      txId: snapshotTxId,
    };
    const after = rowJson(state, row, null);
    this.txMeta = null;
    const d = this.draft(state.topic, utf8(keyJson(state, row, null)), null, after, source, 'r', nowUs);
    return { ...d, ...(this.schemas === null ? {} : this.schemas.wrap(relation, state.topic, state, d.key, d.value)), id };
  }

  /**
   * snapshotRecord with the id `idPrefix` + the record key's text ('' without key columns): the
   * snapshotter's `<point>:r:<schema>.<table>:<key>` id. The fast builder writes it from the key
   * JSON it already has.
   */
  snapshotRecordKeyId(
    relation: Relation, row: Tuple, marker: SnapshotMarker, snapshotLsn: Lsn, idPrefix: string, nowUs: bigint,
    snapshotTxId: number | null,
  ): SinkRecord {
    const record = this.snapshotRecord(relation, row, marker, snapshotLsn, '', nowUs, snapshotTxId);
    return { ...record, id: idPrefix + (record.key?.toString('utf8') ?? '') };
  }

  /**
   * A delete for a row the table no longer has, known only by `key` as a topic holds it (the
   * re-snapshot's delete pass): op 'd', `before` from the key (missing-row.ts; null when the key
   * is not a JSON object), source at `lsn` with snapshot "false" and no txId; then a tombstone
   * when tombstones are on. Ids `<id>` and `<id>:tombstone`.
   */
  missingRowDelete(relation: Relation, key: Buffer, lsn: Lsn, id: string, nowUs: bigint): SinkRecord[] {
    const state = this.states.get(relation);
    const before = rowJsonFromKey(state, key.toString('utf8'), relation.columns.map((c) => c.name));
    const source: SourceInfo = { tsUs: nowUs, snapshot: 'false', lastLsn: null, lsn, schemaJson: state.schemaJson, tableJson: state.tableJson, txId: null };
    const out: SinkRecord[] = [{ ...this.draft(state.topic, key, before, null, source, 'd', nowUs), id }];
    if (this.ctx.options.tombstonesOnDelete) out.push({ topic: state.topic, key, value: null, headers: OP_HEADERS.d, id: `${id}:tombstone` });
    return out;
  }

  private update(event: UpdateEvent, tx: TxContext, nowUs: bigint, out: Draft[]): void {
    const state = this.states.get(event.relation);
    const old = event.before;
    const fullOld = old !== null && !event.beforeIsKeyOnly ? old : null;
    const source = this.streamSource(state, event.lsn, tx);
    const after = rowJson(state, event.after, fullOld);
    const newKey = keyJson(state, event.after, old);
    if (old !== null && newKey !== null && keyChanged(state, old, event.after)) {
      const oldKey = keyJson(state, old, null, event.beforeIsKeyOnly)!;
      // Debezium applies skipped.operations to each half of a key change: d drops the delete and
      // its tombstone, c the create (u drops the whole change, see event-filter.ts).
      const skipped = this.skipped;
      if (!skipped.has('d')) this.keyChangeDelete(state, event, old, oldKey, newKey, source, nowUs, out);
      if (!skipped.has('c')) {
        out.push({
          ...this.draft(state.topic, utf8(newKey), null, after, source, 'c', nowUs),
          headers: { op: 'c', '__debezium.oldkey': oldKey },
        });
      }
      return;
    }
    const before = fullOld === null ? null : rowJson(state, fullOld, null);
    out.push(this.draft(state.topic, utf8(newKey), before, after, source, 'u', nowUs));
  }

  /** The delete half of a key change, with its tombstone when tombstones are on. */
  private keyChangeDelete(state: RelationState, event: UpdateEvent, old: Tuple, oldKey: string, newKey: string, source: SourceInfo, nowUs: bigint, out: Draft[]): void {
    const oldKeyBuf = utf8(oldKey);
    const before = event.beforeIsKeyOnly ? keyOnlyRowJson(state, old) : rowJson(state, old, null);
    out.push({ ...this.draft(state.topic, oldKeyBuf, before, null, source, 'd', nowUs), headers: { op: 'd', '__debezium.newkey': newKey } });
    if (this.ctx.options.tombstonesOnDelete) {
      // Debezium's tombstone of the old key carries the newkey header too.
      out.push({ topic: state.topic, key: oldKeyBuf, value: null, headers: { op: 'd', '__debezium.newkey': newKey } });
    }
  }

  private delete(event: DeleteEvent, tx: TxContext, nowUs: bigint, out: Draft[]): void {
    const state = this.states.get(event.relation);
    const keyBuf = utf8(keyJson(state, event.before, null, event.beforeIsKeyOnly));
    const source = this.streamSource(state, event.lsn, tx);
    const before = event.beforeIsKeyOnly ? keyOnlyRowJson(state, event.before) : rowJson(state, event.before, null);
    out.push(this.draft(state.topic, keyBuf, before, null, source, 'd', nowUs));
    if (this.ctx.options.tombstonesOnDelete && keyBuf !== null) {
      out.push({ topic: state.topic, key: keyBuf, value: null, headers: OP_HEADERS.d });
    }
  }

  private message(event: MessageEvent, tx: TxContext, nowUs: bigint): Draft {
    const source = this.sourceJson({
      tsUs: tx.commitTimeUs,
      snapshot: 'false',
      lastLsn: tx.lastCommitLsn,
      lsn: event.lsn,
      schemaJson: '""',
      tableJson: '""',
      // A non-transactional message (pg_logical_emit_message(false, ...)) belongs to no transaction.
      txId: event.transactional ? tx.xid : null,
    });
    const prefix = quoteJson(event.prefix);
    // Debezium's message envelope has ts_ms only (no ts_us/ts_ns), before source.
    const value =
      `{"op":"m","ts_ms":${nowUs / 1000n},"source":${source},` +
      `"transaction":${this.txMeta === null || !event.transactional ? 'null' : this.txMeta.message(event.prefix, event.lsn)},` +
      `"message":{"prefix":${prefix},"content":"${encodeBinary(event.content, this.ctx.options.binaryHandling)}"}}`;
    return { topic: this.messageTopic, key: utf8(`{"prefix":${prefix}}`), value: utf8(value), headers: OP_HEADERS.m };
  }

  private streamSource(state: RelationState, lsn: Lsn, tx: TxContext): SourceInfo {
    return {
      tsUs: tx.commitTimeUs,
      snapshot: 'false',
      lastLsn: tx.lastCommitLsn,
      lsn,
      schemaJson: state.schemaJson,
      tableJson: state.tableJson,
      txId: tx.xid,
    };
  }

  /**
   * Debezium 3.6.1's source block, member for member: ts_us/ts_ns follow sequence (they were
   * added after it), origin/origin_lsn last. origin is null: walcast does not read pgoutput
   * Origin messages (replication origins), which Debezium fills these from.
   */
  private sourceJson(s: SourceInfo): string {
    return (
      `${this.sourceHead}${s.tsUs / 1000n},"snapshot":"${s.snapshot}","db":${this.dbJson},` +
      `"sequence":${sequenceJson(s.lastLsn, s.lsn)},"ts_us":${s.tsUs},"ts_ns":${s.tsUs * 1000n},` +
      `"schema":${s.schemaJson},"table":${s.tableJson},` +
      `"txId":${s.txId === null ? 'null' : s.txId},"lsn":${s.lsn},"xmin":null,"origin":null,"origin_lsn":null}`
    );
  }

  private draft(
    topic: string,
    key: Buffer | null,
    before: string | null,
    after: string | null,
    source: SourceInfo,
    op: Op,
    nowUs: bigint,
  ): Draft {
    const transaction = this.txMeta === null ? 'null' : this.txMeta.event(source.schemaJson, source.tableJson, source.lsn);
    const value =
      `{"before":${before ?? 'null'},"after":${after ?? 'null'},"source":${this.sourceJson(source)},"transaction":${transaction},` +
      `"op":"${op}","ts_ms":${nowUs / 1000n},"ts_us":${nowUs},"ts_ns":${nowUs * 1000n}}`;
    return { topic, key, value: utf8(value), headers: OP_HEADERS[op] };
  }
}

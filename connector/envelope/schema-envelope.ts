/**
 * envelope.schemas: wraps each key and value as Kafka Connect's JsonConverter does with
 * schemas.enable=true, `{"schema":<Connect schema>,"payload":<the schemas-off JSON>}`. The
 * payload is unchanged (JsonConverter writes the same value with and without schemas), so the
 * schemas-off text is wrapped as bytes: `{"schema":...,"payload":` and `}` around it, the head
 * rendered once per relation (per column set: a changed table arrives as a new Relation).
 * Tombstones stay null, and so does the key of a table without key columns.
 */
import type { BinaryHandling } from './options';
import type { Relation } from '../model/change';
import type { UserTypes } from '../model/user-types';
import type { ValueOptions } from './values';
import { columnDefaultValues, type ColumnDefaultTexts } from './default-values';
import { renderSchema, tableSchemas, type ConnectStructSchema, type TableSchemas } from './connect-schema';
import { HEARTBEAT_KEY_SCHEMA, HEARTBEAT_VALUE_SCHEMA, MESSAGE_KEY_SCHEMA, TRANSACTION_KEY_SCHEMA, TRANSACTION_VALUE_SCHEMA, messageValueSchema } from './debezium-schemas';
import type { ColumnControls } from './column-controls';
import type { NotNullColumns, RelationState } from './row';

export type { ColumnDefaultTexts };

export interface SchemaEnvelopeContext {
  readonly options: ValueOptions;
  readonly userTypes?: UserTypes;
  readonly notNullColumns?: NotNullColumns;
  readonly columnDefaults?: ColumnDefaultTexts;
  /** schema.name.adjustment.mode for the record names (schema-name.ts). */
  readonly adjustName?: (name: string) => string;
}

const TAIL = Buffer.from('}');

/** `{"schema":<schema>,"payload":` as bytes. */
function head(schema: ConnectStructSchema): Buffer {
  return Buffer.from(`{"schema":${renderSchema(schema)},"payload":`, 'utf8');
}

/** A schemas-off payload wrapped with a rendered head; null stays null. */
export function wrapPayload(prefix: Buffer, payload: Buffer | null): Buffer | null {
  return payload === null ? null : Buffer.concat([prefix, payload, TAIL], prefix.length + payload.length + 1);
}

interface RelationHeads {
  readonly schemas: TableSchemas;
  readonly key: Buffer | null;
  readonly value: Buffer;
}

/** The fixed heads: messages, transaction metadata, heartbeats. */
export const FIXED_HEADS = {
  messageKey: head(MESSAGE_KEY_SCHEMA),
  transactionKey: head(TRANSACTION_KEY_SCHEMA),
  transactionValue: head(TRANSACTION_VALUE_SCHEMA),
  heartbeatKey: head(HEARTBEAT_KEY_SCHEMA),
  heartbeatValue: head(HEARTBEAT_VALUE_SCHEMA),
} as const;

export class SchemaEnvelopes {
  private readonly cache = new WeakMap<Relation, RelationHeads>();
  readonly messageValue: Buffer;

  constructor(private readonly ctx: SchemaEnvelopeContext, binary: BinaryHandling, private readonly controls?: ColumnControls) {
    this.messageValue = head(messageValueSchema(binary));
  }

  /** The Connect schemas of a relation, built once (also for other formats, e.g. Avro). */
  schemasOf(relation: Relation, topic: string, state: Pick<RelationState, 'keyIndexes' | 'valueIndexes'>): TableSchemas {
    return this.heads(relation, topic, state).schemas;
  }

  /** Wraps a relation's record: key with `<topic>.Key`, value with `<topic>.Envelope`. */
  wrap(relation: Relation, topic: string, state: Pick<RelationState, 'keyIndexes' | 'valueIndexes'>, key: Buffer | null, value: Buffer | null): { key: Buffer | null; value: Buffer | null } {
    const h = this.heads(relation, topic, state);
    return { key: h.key === null ? key : wrapPayload(h.key, key), value: wrapPayload(h.value, value) };
  }

  private heads(relation: Relation, topic: string, state: Pick<RelationState, 'keyIndexes' | 'valueIndexes'>): RelationHeads {
    let h = this.cache.get(relation);
    if (h === undefined) {
      const id = `${relation.schema}\0${relation.table}`;
      const schemas = tableSchemas(relation, topic, state.keyIndexes, state.valueIndexes, {
        options: this.ctx.options,
        userTypes: this.ctx.userTypes,
        notNull: this.ctx.notNullColumns?.get(id),
        defaults: columnDefaultValues(relation, this.ctx.columnDefaults, this.ctx.options, this.ctx.userTypes),
        valueParameters: this.mapperParameters(relation),
        adjustName: this.ctx.adjustName,
      });
      h = { schemas, key: schemas.key === null ? null : head(schemas.key), value: head(schemas.envelope) };
      this.cache.set(relation, h);
    }
    return h;
  }

  /** Schema parameters of the columns a column control maps (masked, truncateLength). */
  private mapperParameters(relation: Relation): ReadonlyMap<string, Readonly<Record<string, string>>> | undefined {
    if (this.controls === undefined) return undefined;
    const out = new Map<string, Readonly<Record<string, string>>>();
    for (const c of relation.columns) {
      const p = this.controls.mapper(relation.schema, relation.table, c.name, c.typeOid, c.typeMod)?.parameters;
      if (p !== undefined) out.set(c.name, p);
    }
    return out;
  }
}

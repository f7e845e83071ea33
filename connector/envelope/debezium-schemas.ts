/**
 * The fixed Kafka Connect schemas of Debezium 3.6.1's PostgreSQL connector: the `source` block,
 * the `transaction` block, logical-message records, transaction-metadata records and
 * heartbeats. Member for member as Debezium printed them through JsonConverter (schemas on) in
 * test/integration/compat.
 */
import type { BinaryHandling } from './options';
import type { ConnectField, ConnectSchema, ConnectStructSchema } from './connect-schema';

/** Version of the `<topic>.Envelope` schema. */
export const ENVELOPE_VERSION = 2;

const str = (optional: boolean): ConnectSchema => ({ type: 'string', optional });
const i64 = (optional: boolean): ConnectSchema => ({ type: 'int64', optional });
const f = (name: string, schema: ConnectSchema): ConnectField => ({ name, schema });

/** io.debezium.connector.postgresql.Source. */
export const SOURCE_SCHEMA: ConnectStructSchema = {
  type: 'struct', optional: false, name: 'io.debezium.connector.postgresql.Source', version: 1,
  fields: [
    f('version', str(false)), f('connector', str(false)), f('name', str(false)), f('ts_ms', i64(false)),
    f('snapshot', {
      type: 'string', optional: true, name: 'io.debezium.data.Enum', version: 1,
      parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' },
      defaultValue: 'false',
    }),
    f('db', str(false)), f('sequence', str(true)), f('ts_us', i64(true)), f('ts_ns', i64(true)),
    f('schema', str(false)), f('table', str(false)), f('txId', i64(true)), f('lsn', i64(true)), f('xmin', i64(true)),
    f('origin', str(true)), f('origin_lsn', i64(true)),
  ],
};

/** The `transaction` block of change events (provide.transaction.metadata). */
export const TRANSACTION_BLOCK_SCHEMA: ConnectStructSchema = {
  type: 'struct', optional: true, name: 'event.block', version: 1,
  fields: [f('id', str(false)), f('total_order', i64(false)), f('data_collection_order', i64(false))],
};

/** Key of `<prefix>.message` records. */
export const MESSAGE_KEY_SCHEMA: ConnectStructSchema = {
  type: 'struct', optional: false, name: 'io.debezium.connector.postgresql.MessageKey', version: 1,
  fields: [f('prefix', str(true))],
};

/** Value of `<prefix>.message` records: the content is bytes, or a string under the text binary modes. */
export function messageValueSchema(binary: BinaryHandling): ConnectStructSchema {
  return {
    type: 'struct', optional: false, name: 'io.debezium.connector.postgresql.MessageValue', version: 1,
    fields: [
      f('op', str(false)), f('ts_ms', i64(true)), f('source', SOURCE_SCHEMA), f('transaction', TRANSACTION_BLOCK_SCHEMA),
      f('message', {
        type: 'struct', optional: false, name: 'io.debezium.connector.postgresql.Message', version: 1,
        fields: [f('prefix', str(true)), f('content', { type: binary === 'bytes' ? 'bytes' : 'string', optional: true })],
      }),
    ],
  };
}

/** Key of `<prefix>.transaction` records. */
export const TRANSACTION_KEY_SCHEMA: ConnectStructSchema = {
  type: 'struct', optional: false, name: 'io.debezium.connector.common.TransactionMetadataKey', version: 1,
  fields: [f('id', str(false))],
};

/** Value of `<prefix>.transaction` records (BEGIN and END). */
export const TRANSACTION_VALUE_SCHEMA: ConnectStructSchema = {
  type: 'struct', optional: false, name: 'io.debezium.connector.common.TransactionMetadataValue', version: 1,
  fields: [
    f('status', str(false)), f('id', str(false)), f('event_count', i64(true)),
    f('data_collections', {
      type: 'array', optional: true,
      items: {
        type: 'struct', optional: true, name: 'event.collection', version: 1,
        fields: [f('data_collection', str(false)), f('event_count', i64(false))],
      },
    }),
    f('ts_ms', i64(false)),
  ],
};

/** Key of heartbeat records (`__debezium-heartbeat.<prefix>`). */
export const HEARTBEAT_KEY_SCHEMA: ConnectStructSchema = {
  type: 'struct', optional: false, name: 'io.debezium.connector.common.ServerNameKey', version: 1,
  fields: [f('serverName', str(false))],
};

/** Value of heartbeat records. */
export const HEARTBEAT_VALUE_SCHEMA: ConnectStructSchema = {
  type: 'struct', optional: false, name: 'io.debezium.connector.common.Heartbeat', version: 1,
  fields: [f('ts_ms', i64(false))],
};

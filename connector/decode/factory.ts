/** Builds the configured decoder; both produce the same ChangeEvent stream. */
import type { Decoder } from '../model/change';
import type { SourceOptions } from '../source/options';
import { createPgoutputDecoder } from './pgoutput';
import { createWal2jsonDecoder } from './wal2json';
import { PrimaryKeys, withPrimaryKeys } from './key-columns';

/** PostgreSQL 14 brought pgoutput protocol version 2 (streaming of in-progress transactions). */
export const STREAMING_MIN_SERVER_VERSION = 140000;

/** What the decoder reads of the configuration (a WalcastConfig is one). */
export interface DecoderSetup {
  readonly source: Pick<SourceOptions, 'plugin' | 'publication' | 'publicationMode' | 'messages' | 'streamInProgress'>;
}

/** Whether the session asks the server to stream in-progress transactions. */
export function streamsInProgress(config: DecoderSetup, serverVersion: number): boolean {
  return config.source.plugin === 'pgoutput' && config.source.streamInProgress && serverVersion >= STREAMING_MIN_SERVER_VERSION;
}

export function createDecoder(config: DecoderSetup, tables: ReadonlyArray<{ schema: string; table: string }>, primaryKeys: PrimaryKeys, serverVersion: number): Decoder {
  if (config.source.plugin === 'wal2json') {
    const filter = config.source.publicationMode === 'all_tables' ? null : tables.map((t) => ({ schema: t.schema, table: t.table }));
    return withPrimaryKeys(createWal2jsonDecoder({ tables: filter, messages: config.source.messages }), primaryKeys);
  }
  return withPrimaryKeys(createPgoutputDecoder({
    publicationNames: [config.source.publication], messages: config.source.messages, streaming: streamsInProgress(config, serverVersion),
  }), primaryKeys);
}

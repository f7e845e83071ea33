/** Builds the configured decoder; both produce the same ChangeEvent stream. */
import type { WalcastConfig } from '../../config/types';
import type { Decoder } from './change';
import { createPgoutputDecoder } from './pgoutput';
import { createWal2jsonDecoder } from './wal2json';
import { PrimaryKeys, withPrimaryKeys } from './key-columns';

export function createDecoder(config: WalcastConfig, tables: ReadonlyArray<{ schema: string; table: string }>, primaryKeys: PrimaryKeys): Decoder {
  if (config.source.plugin === 'wal2json') {
    const filter = config.source.publicationMode === 'all_tables' ? null : tables.map((t) => ({ schema: t.schema, table: t.table }));
    return withPrimaryKeys(createWal2jsonDecoder({ tables: filter, messages: config.source.messages }), primaryKeys);
  }
  return withPrimaryKeys(createPgoutputDecoder({ publicationNames: [config.source.publication], messages: config.source.messages }), primaryKeys);
}

export { createWal2jsonDecoder, Wal2jsonAction, type Wal2jsonDecoder } from './decoder';
export { escapeAddTablesName, formatAddTables, formatWal2jsonStartOptions, type Wal2jsonDecoderOptions } from './options';
export { synthesizeRelationOid } from './relations';

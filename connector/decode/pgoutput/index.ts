export { createPgoutputDecoder, type PgoutputDecoder } from './decoder';
export { decodePgoutputMessage } from './parse';
export { formatPgoutputStartOptions, quotePublicationNames, type PgoutputStartOptions } from './start-options';
export type { PgoutputMessage } from './messages';

/**
 * START_REPLICATION options for pgoutput. The server reads `publication_names` as a
 * comma-separated list of identifiers (SplitIdentifierString): each name is double-quoted with
 * embedded `"` doubled, so case, spaces and commas survive. The whole list is then one SQL
 * string literal in the replication command, so embedded `'` are doubled.
 */
export interface PgoutputStartOptions {
  publicationNames: readonly string[];
  protoVersion?: 1;
  messages: boolean;
}

export function quotePublicationNames(names: readonly string[]): string {
  return names.map((n) => '"' + n.split('"').join('""') + '"').join(',');
}

function literal(value: string): string {
  return "'" + value.split("'").join("''") + "'";
}

export function formatPgoutputStartOptions(o: PgoutputStartOptions): string {
  return [
    `proto_version ${literal(String(o.protoVersion ?? 1))}`,
    `publication_names ${literal(quotePublicationNames(o.publicationNames))}`,
    `messages ${literal(o.messages ? 'true' : 'false')}`,
  ].join(', ');
}

/**
 * START_REPLICATION options for pgoutput. The server reads `publication_names` as a
 * comma-separated list of identifiers (SplitIdentifierString): each name is double-quoted with
 * embedded `"` doubled, so case, spaces and commas survive. The whole list is then one SQL
 * string literal in the replication command, so embedded `'` are doubled.
 */
export interface PgoutputStartOptions {
  publicationNames: readonly string[];
  messages: boolean;
  /**
   * Stream in-progress transactions: proto_version 2 with `streaming 'on'` (PostgreSQL 14+).
   * Off: proto_version 1, the server sends each transaction whole after its commit.
   */
  streaming?: boolean;
}

export function quotePublicationNames(names: readonly string[]): string {
  return names.map((n) => '"' + n.split('"').join('""') + '"').join(',');
}

function literal(value: string): string {
  return "'" + value.split("'").join("''") + "'";
}

export function formatPgoutputStartOptions(o: PgoutputStartOptions): string {
  const options = [
    `proto_version ${literal(o.streaming ? '2' : '1')}`,
    `publication_names ${literal(quotePublicationNames(o.publicationNames))}`,
    `messages ${literal(o.messages ? 'true' : 'false')}`,
  ];
  if (o.streaming) options.push(`streaming ${literal('on')}`);
  return options.join(', ');
}

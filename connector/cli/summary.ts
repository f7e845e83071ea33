import type { WalcastConfig } from '../../config/types';
import { redactUrl } from '../observe/logger';

/** The `validate` summary: what the connector would do, secrets redacted. */
export function configSummary(c: WalcastConfig): string[] {
  const src = c.source;
  const lines = [
    `name          ${c.name}`,
    `source        ${redactUrl(src.url)}`,
    `plugin        ${src.plugin}`,
    `slot          ${src.slot}`,
    src.plugin === 'pgoutput' ? `publication   ${src.publication} (${src.publicationMode})` : '',
    `tables        ${src.tables.join(', ')}${src.excludeTables.length ? ` excluding ${src.excludeTables.join(', ')}` : ''}`,
    `snapshot      ${c.snapshot.mode}${c.snapshot.mode === 'never' ? '' : ` (parallelism ${c.snapshot.parallelism}, ${c.snapshot.chunkRows} rows per fetch)`}`,
    `sink          ${sinkLine(c)}`,
    `topics        ${c.topicPrefix}.<schema>.<table>`,
    `http          ${c.http.port === 0 ? 'disabled' : `:${c.http.port} (/health, /metrics)`}`,
    `log level     ${c.log.level}`,
  ];
  return lines.filter((l) => l !== '');
}

function sinkLine(c: WalcastConfig): string {
  switch (c.sink.type) {
    case 'kafka': {
      const k = c.sink.kafka;
      const auth = k.saslMechanism === 'none' ? '' : `, sasl ${k.saslMechanism} as ${k.saslUsername}`;
      return `kafka ${k.brokers.join(',')}${k.ssl ? ' (tls)' : ''}${auth}`;
    }
    case 'nats':
      return `nats ${c.sink.nats.servers.join(',')}, stream ${c.sink.nats.stream}`;
    case 'stdout':
      return 'stdout (JSON lines)';
  }
}

// Shared helpers of the NATS sink integration tests.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsOptions } from '../../../connector/sink/nats/options';
import { SinkRecord } from '../../../connector/model/record';

export function natsConfig(url: string, stream: string, over: Partial<NatsOptions> = {}): NatsOptions {
  return {
    servers: [url], stream, createStream: true, duplicateWindowMs: 120_000, maxInFlight: 256,
    user: '', pass: '', token: '', nkeySeed: '', credsFile: '', tlsCaFile: '', tlsCertFile: '', tlsKeyFile: '', ...over,
  };
}

export function records(prefix: string, n: number, opts: { from?: number; tables?: number } = {}): SinkRecord[] {
  const from = opts.from ?? 0;
  const tables = opts.tables ?? 1;
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      topic: `${prefix}.public.t${i % tables}`,
      id: `0/${(1000 + i).toString(16).toUpperCase()}:${i}`,
      key: Buffer.from(`{"id":${i}}`),
      value: Buffer.from(`{"before":null,"after":{"id":${i}},"op":"c"}`),
      headers: { 'walcast-op': 'c' },
    };
  });
}

/** Runs `fn` with a management connection and deletes `stream` afterwards. */
export async function withConnection<T>(url: string, fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url });
  try { return await fn(nc); } finally { await nc.close(); }
}

export async function deleteStream(url: string, stream: string): Promise<void> {
  await withConnection(url, async (nc) => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => false);
  });
}

export async function streamMessageCount(url: string, stream: string): Promise<number> {
  return withConnection(url, async (nc) => (await (await jetstreamManager(nc)).streams.info(stream)).state.messages);
}

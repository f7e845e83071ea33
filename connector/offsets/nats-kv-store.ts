/**
 * Connector state in a JetStream key-value bucket (one key per connector name), beside the data:
 * a lost local disk or a second pod sees the same truth as the instance that wrote it.
 *
 * Writes are compare-and-set on the revision this store last read or wrote: the owner of the
 * slot is the only writer (advisory lock), so a revision that moved under it means a second
 * writer, and the write fails (STATE, not retriable) instead of overwriting.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { ConnectorError } from '../errors';
import type { NatsOptions } from '../sink/nats/options';
import { natsConnectOptions } from '../sink/nats/connect-options';
import { type ConnectorState, parseState, type StateStore } from './state-store';

export interface NatsKvStoreOptions {
  readonly nats: NatsOptions;
  readonly bucket: string;
  /** The key: the connector name. */
  readonly name: string;
}

export class NatsKvStateStore implements StateStore {
  readonly location: string;
  private nc: NatsConnection | null = null;
  private kv: KV | null = null;
  /** Revision of the key as last read or written; 0 = absent or deleted (create next). */
  private revision = 0;

  constructor(private readonly options: NatsKvStoreOptions) {
    this.location = `NATS key-value bucket "${options.bucket}" key "${options.name}"`;
  }

  async read(): Promise<ConnectorState | null> {
    const kv = await this.open();
    const entry = await this.call('read', () => kv.get(this.options.name));
    if (!entry || entry.operation !== 'PUT') {
      this.revision = entry?.revision ?? 0;
      return null;
    }
    this.revision = entry.revision;
    return parseState(entry.string(), this.location);
  }

  async write(state: ConnectorState): Promise<void> {
    const kv = await this.open();
    const data = JSON.stringify(state);
    this.revision = await this.call('write', () => (this.revision === 0 ? kv.create(this.options.name, data) : kv.update(this.options.name, data, this.revision)));
  }

  async clear(): Promise<void> {
    const kv = await this.open();
    await this.call('clear', () => kv.delete(this.options.name));
    this.revision = 0;
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = null;
    this.kv = null;
    await nc?.close().catch(() => undefined);
  }

  private async open(): Promise<KV> {
    if (this.kv && this.nc && !this.nc.isClosed()) return this.kv;
    await this.close();
    try {
      this.nc = await connect(natsConnectOptions(this.options.nats, 'walcast-state'));
      // history 1: only the current document matters; the bucket is created when missing.
      this.kv = await new Kvm(this.nc).create(this.options.bucket, { history: 1 });
      return this.kv;
    } catch (e) {
      await this.close();
      if (e instanceof ConnectorError) throw e;
      throw new ConnectorError('SINK_CONNECT', `cannot open ${this.location}: ${(e as Error).message}`, { cause: e });
    }
  }

  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      // A failed compare-and-set: somebody else wrote the key since we read it.
      if (/wrong last sequence|key exists/i.test(message)) {
        throw new ConnectorError('STATE', `${this.location} was changed by another writer; refusing to ${what} over it (is a second instance running without the slot lock?)`, { cause: e, retriable: false });
      }
      await this.close();
      throw new ConnectorError('SINK_CONNECT', `cannot ${what} ${this.location}: ${message}`, { cause: e });
    }
  }
}

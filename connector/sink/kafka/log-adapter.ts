/**
 * The client library's connection events in our log. @platformatic/kafka has no logger hook: it
 * emits `client:broker:*` events (and writes to the `debug` module, off unless DEBUG is set).
 *
 * A broker that cannot be reached makes the library fail a connect on every retry; that is
 * logged once (warn) per episode, and once more (info) when a connection succeeds again. The
 * final failure of a send is logged by the sink as its error, not here.
 */
import type { Base, Broker } from '@platformatic/kafka';
import type { Logger } from '../../observe/logger';

interface BrokerEvent { readonly broker?: Broker }

const where = (e: BrokerEvent | undefined): string => (e?.broker ? `${e.broker.host}:${e.broker.port}` : 'unknown');

/** Subscribes `logger` to `client`'s broker events; returns the unsubscribe function. */
export function logBrokerEvents(client: Pick<Base, 'on' | 'off'>, logger: Logger): () => void {
  const failing = new Set<string>();
  const onFailed = (e?: BrokerEvent): void => {
    const broker = where(e);
    if (failing.has(broker)) return;
    failing.add(broker);
    logger.warn({ broker }, 'cannot connect to Kafka broker; the client keeps retrying');
  };
  const onConnect = (e?: BrokerEvent): void => {
    const broker = where(e);
    if (failing.delete(broker)) logger.info({ broker }, 'connected to Kafka broker again');
    else logger.debug({ broker }, 'connected to Kafka broker');
  };
  const onDisconnect = (e?: BrokerEvent): void => logger.debug({ broker: where(e) }, 'Kafka broker connection closed');
  client.on('client:broker:failed', onFailed);
  client.on('client:broker:connect', onConnect);
  client.on('client:broker:disconnect', onDisconnect);
  return () => {
    client.off('client:broker:failed', onFailed);
    client.off('client:broker:connect', onConnect);
    client.off('client:broker:disconnect', onDisconnect);
  };
}

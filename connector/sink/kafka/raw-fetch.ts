/**
 * A Consumer whose fetch() responses can be read as the broker sent them, before the library
 * filters them.
 *
 * Why: for a read_committed fetch, @platformatic/kafka 2.12 (Consumer #filterUncommittedMessages)
 * drops the batches it takes for aborted with one range per producer id. The range starts at the
 * first offset of the LAST aborted transaction the broker listed for the producer, and ends at
 * the LAST abort marker in the response. A transactional.id keeps its producer id across
 * restarts. So when an abort marker has no listed transaction of its own (a transaction that
 * added the partition and wrote nothing to it: walcast killed between AddPartitionsToTxn and
 * the offset record's produce), the range spans the committed transactions before that marker,
 * and the library drops them. An exactly-once start then read a stale offset and sent again what
 * Kafka had: the exactly-once storm's duplicates. committed-reader.ts filters aborted records
 * itself, as the Java consumer does, and needs the batches the broker sent.
 *
 * The seam (the client's exported extension symbol, not its documented API, as FastProducer's
 * Produce): the consumer looks its Fetch API up with this[kGetApi]('Fetch', cb). The API handed
 * back here is the library's, with a callback that first notes each partition's records array.
 * The library's filter then assigns a filtered copy to `partition.records`, and the noted array
 * stays as the broker sent it. test/unit/sink/kafka/raw-fetch.test.ts checks the lookup is
 * wrapped; test/integration/sink/committed-reader.test.ts fails when the reader gets the
 * library's filtered batches.
 */
import { Consumer, kGetApi, type API, type Callback, type RecordsBatch } from '@platformatic/kafka';
import { answerWith, wrapApi } from './api-seam';

/** Per partition object of a fetch response: its records as parsed, before any filter. */
const RAW = new WeakMap<object, readonly RecordsBatch[] | null>();

interface ResponseShape {
  readonly responses?: readonly { readonly partitions?: readonly { records?: RecordsBatch[] | null }[] }[];
}

function noteRaw(response: unknown): void {
  if (typeof response !== 'object' || response === null) return;
  for (const topic of (response as ResponseShape).responses ?? []) {
    for (const partition of topic.partitions ?? []) RAW.set(partition, partition.records ?? null);
  }
}

/** keepingRawBatches' wrapper per library API (made once, not per fetch), and the wrappers. */
const WRAPPERS = new WeakMap<object, object>();
const IS_WRAPPER = new WeakSet<object>();

/** The library's Fetch API, noting each response's batches as parsed before its caller sees them. */
function keepingRawBatches<A extends unknown[], R>(library: API<A, R>): API<A, R> {
  // The first lookup, before the client has the broker's API list, comes back through this
  // override once more (base.js kGetApi): its answer is already a wrapper.
  if (IS_WRAPPER.has(library)) return library;
  const known = WRAPPERS.get(library);
  if (known !== undefined) return known as API<A, R>;
  const wrapper = wrapApi(library, (call, connection, args) => {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (error: unknown, result: unknown) => {
        noteRaw(result ?? (error as { response?: unknown } | null)?.response);
        (callback as (e: unknown, r: unknown) => void)(error, result);
      };
    }
    call(connection, ...args);
  });
  WRAPPERS.set(library, wrapper);
  IS_WRAPPER.add(wrapper);
  return wrapper;
}

/**
 * The batches of one partition of a RawFetchConsumer's fetch response as the broker sent them;
 * throws when the response did not come through the seam (a library upgrade that moved it): the
 * library's filtered batches must never be read as if they were whole.
 */
export function rawBatches(partition: object): readonly RecordsBatch[] {
  if (!RAW.has(partition)) {
    throw new Error('fetch response without its unfiltered batches: @platformatic/kafka no longer looks its Fetch API up through kGetApi (see raw-fetch.ts)');
  }
  return RAW.get(partition) ?? [];
}

export class RawFetchConsumer<K, V, HK, HV> extends Consumer<K, V, HK, HV> {
  override [kGetApi]<RequestArguments extends Array<unknown>, ResponseType>(name: string, callback: Callback<API<RequestArguments, ResponseType>>): void {
    if (name !== 'Fetch') {
      super[kGetApi](name, callback);
      return;
    }
    super[kGetApi]<RequestArguments, ResponseType>(name, answerWith(callback, keepingRawBatches));
  }
}

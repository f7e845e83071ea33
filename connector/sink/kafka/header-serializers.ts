/**
 * Header serializers for the producer: strings to UTF-8 bytes, as the library's
 * stringSerializer, but the few distinct header names (op, walcast.id, __debezium.*) and
 * one-character values (the op codes) are encoded once and reused. Per record only the id (and a
 * key-change header's key) is encoded; the library encodes every header of every record anew.
 * The producer copies header bytes into the request and never writes into them, so sharing is safe.
 */
import { stringSerializer, type Serializer } from '@platformatic/kafka';

/** At most this many distinct strings are kept (a bound, so no input can grow the cache). */
const MAX_ENTRIES = 64;

function cached(shouldCache: (s: string) => boolean): Serializer<string> {
  const cache = new Map<string, Buffer>();
  return (s) => {
    if (typeof s !== 'string') return stringSerializer(s);
    let b = cache.get(s);
    if (b === undefined) {
      b = Buffer.from(s, 'utf8');
      if (cache.size < MAX_ENTRIES && shouldCache(s)) cache.set(s, b);
    }
    return b;
  };
}

/** Header names: few, fixed by walcast. */
export function headerKeySerializer(): Serializer<string> {
  return cached(() => true);
}

/** Header values: only the one-character op codes are shared; ids and keys vary per record. */
export function headerValueSerializer(): Serializer<string> {
  return cached((s) => s.length <= 1);
}

/**
 * java.util.HashMap's iteration order, which Debezium's JSON inherits wherever it writes a map:
 * hstore values in map mode and the data_collections of transaction metadata.
 */

/** java.lang.String.hashCode: s[0]·31^(n-1) + … over UTF-16 code units, in int32. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The order a java.util.HashMap filled with `keys` (distinct, in this order) iterates them:
 * bucket index (hash ^ hash >>> 16, masked by the table size, 16 doubled while above 0.75
 * full), then insertion order within a bucket (a resize splits buckets keeping relative order).
 */
export function hashMapOrder(keys: readonly string[]): string[] {
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucketOf = (k: string): number => {
    const h = javaStringHash(k);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return keys
    .map((k, i) => ({ k, i, b: bucketOf(k) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((e) => e.k);
}

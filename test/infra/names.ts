import { randomBytes } from 'node:crypto';

// PostgreSQL identifiers (slots, databases, publications) are at most 63 bytes (NAMEDATALEN-1)
// and slot names allow only [a-z0-9_]; Kafka topics and NATS streams accept the same set.
const MAX_LENGTH = 63;
const MAX_PREFIX = 30;
let counter = 0;

/**
 * A name unique across parallel jest workers and repeated runs: `<prefix>_<pid>_<n>_<random>`,
 * lowercase `[a-z0-9_]`, starting with a letter, at most 63 characters.
 */
export function uniqueName(prefix: string): string {
  let clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, MAX_PREFIX);
  if (!/^[a-z]/.test(clean)) clean = `n${clean}`.slice(0, MAX_PREFIX);
  counter += 1;
  const suffix = `${process.pid.toString(36)}_${counter.toString(36)}_${randomBytes(3).toString('hex')}`;
  return `${clean}_${suffix}`.slice(0, MAX_LENGTH);
}

export { createNatsSink } from './nats-sink';
export { isRetriableNatsError } from './nats-errors';
export type { NatsSinkDeps } from './nats-sink';
export type { RetryPolicy } from './backoff';
export { DEFAULT_RETRY } from './backoff';
export { KEY_HEADER, KEY_ENCODING_HEADER } from './message';
export { patternCovers, subjectMatches, uncoveredSubjects } from './subject-match';

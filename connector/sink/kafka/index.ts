export { createKafkaSink, ID_HEADER } from './kafka-sink';
export type { KafkaSinkDeps } from './kafka-sink';
export type { KafkaRetryPolicy } from './client-options';
export { DEFAULT_KAFKA_RETRY } from './client-options';

export { createKafkaSink } from './kafka-sink';
export { ID_HEADER } from './record-headers';
export type { KafkaSinkDeps } from './kafka-sink';
export type { KafkaRetryPolicy } from './client-options';
export { DEFAULT_KAFKA_RETRY } from './client-options';

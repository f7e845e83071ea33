export { createKafkaSink } from './kafka-sink';
export { offsetKeyOf } from './transactions';
export { ID_HEADER } from './record-headers';
export type { KafkaSinkDeps } from './kafka-sink';
export type { KafkaRetryPolicy } from './client-options';
export { DEFAULT_KAFKA_RETRY } from './client-options';

// Kafka helpers of the tests: real Apache Kafka brokers live in kafka-broker.ts; topic reading
// in kafka-reader.ts (the sink's client library), re-exported here for the tests that import it
// from this module; what a read_committed consumer sees in kafka-committed.ts (Kafka's Java
// consumer). librdkafka's mock cluster is gone: the sink's idempotent producer cannot start on
// it (InitProducerId v4 -> UNKNOWN_PRODUCER_ID) and every fault the tests inject is produced on
// the real broker.
export { readTopic, type ReadTopicOptions, type TopicMessage } from './kafka-reader';

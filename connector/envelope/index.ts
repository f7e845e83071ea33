export { EnvelopeBuilder, type EnvelopeContext, type TxContext, type SnapshotMarker } from './builder';
export { toJson, quoteJson, RawJson, type JsonValue, type JsonObject } from './json';
export { topicName, messageTopicName, findTopicCollisions, type TableName } from '../model/topic';
export { WALCAST_VERSION } from './version';

export { createStdoutSink, recordLine } from './stdout-sink';
export type { StdoutSinkDeps } from './stdout-sink';

/** The snapshot reader: initial consistent read of the captured tables as op 'r' records. */
export { runSnapshot } from './run-snapshot';
export type { ProgressMode, SnapshotOptions, SnapshotResult } from './types';

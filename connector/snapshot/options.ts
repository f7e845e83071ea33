/**
 * The snapshot stage's options: the `snapshot` section of the configuration.
 * config/load.ts validates and freezes them; config/types.ts composes them into WalcastConfig.
 */
export type SnapshotMode = 'initial' | 'always' | 'never' | 'initial_only' | 'when_needed';

export interface SnapshotOptions {
  readonly mode: SnapshotMode;
  readonly parallelism: number;
  readonly chunkRows: number;
  /**
   * Kafka only: after a snapshot, delete (op d + tombstone) every key the table's topic held
   * before it and the snapshot did not produce: rows deleted while walcast could not see them.
   */
  readonly deleteMissing: boolean;
}

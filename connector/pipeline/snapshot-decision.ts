/**
 * Start-up decision per `snapshot.mode` (Debezium's semantics) and the slot verdict
 * (slot-verdict.ts):
 * - initial:      snapshot unless a completed snapshot is recorded for this slot, then stream;
 * - always:       snapshot at every start, then stream;
 * - never:        stream only;
 * - initial_only: snapshot unless already completed, then stop;
 * - when_needed:  like initial, and also re-snapshot when the slot was dropped, recreated or
 *                 invalidated.
 * Where the snapshot reads from:
 * - no usable slot: create one with an exported snapshot; the read shows the database exactly
 *   at the slot's consistent point and streaming from there neither misses nor repeats a change;
 * - our slot (an interrupted snapshot, `always`): keep it, read a fresh snapshot, then stream
 *   from the slot's position, which lies before the read. Changes in between are replayed after
 *   the snapshot rows, so the topic converges to the table — in particular rows an interrupted
 *   snapshot already published and that were deleted since get their delete. Dropping the slot
 *   instead would lose those deletes and resurrect the rows.
 * A slot walcast used that is gone is never silently replaced: outside when_needed and always
 * it is a SLOT_LOST error that names the remedy.
 */
import { parseLsn } from '../protocol/lsn';
import type { SnapshotMode } from '../snapshot/options';
import type { ConnectorState } from '../offsets/state-store';
import type { SlotVerdict } from './slot-verdict';

export type SlotPlan = 'use' | 'create';

export type SnapshotDecision =
  /** `dropFirst`: drop the slot on the server before creating a new one (leftover or gone). */
  | { readonly action: 'stream'; readonly slot: SlotPlan; readonly dropFirst: boolean; readonly reason: string }
  | { readonly action: 'snapshot'; readonly slot: SlotPlan; readonly dropFirst: boolean; readonly reason: string; readonly warning?: string }
  | { readonly action: 'done'; readonly reason: string }
  | { readonly action: 'error'; readonly code: 'SLOT_LOST' | 'SLOT_IN_USE'; readonly reason: string };

/** True when the state records a completed snapshot that this (usable) slot continues from. */
export function snapshotCompleted(state: ConnectorState | null, verdict: SlotVerdict, slotName: string): boolean {
  const s = state?.snapshot;
  if (!s || s.status !== 'complete' || s.slot !== slotName) return false;
  if (verdict.kind !== 'ours' && verdict.kind !== 'adopt') return false;
  let point: bigint;
  try { point = parseLsn(s.consistentPoint); } catch { return false; }
  if (point === 0n) return false; // a snapshot is never consistent at 0/0 (older walcast recorded that)
  // A slot created after the recorded snapshot cannot be the one it belongs to.
  return verdict.slot.confirmedFlushLsn !== null && verdict.slot.confirmedFlushLsn >= point;
}

export function decideSnapshot(mode: SnapshotMode, verdict: SlotVerdict, state: ConnectorState | null, slotName: string, stateFile: string): SnapshotDecision {
  switch (verdict.kind) {
    case 'busy':
      return { action: 'error', code: 'SLOT_IN_USE', reason: `replication slot "${slotName}" is still being created by PID ${verdict.slot.activePid ?? '?'}` };
    case 'gone': {
      if (mode === 'when_needed' || mode === 'always') {
        return {
          action: 'snapshot', slot: 'create', dropFirst: verdict.slot !== null,
          reason: `${verdict.detail}; snapshot.mode is ${mode}: re-snapshotting on a new slot`,
          warning: `${verdict.detail}. Re-snapshotting on a new slot (snapshot.mode = ${mode}); rows deleted while the slot was gone stay in the topics unless snapshot.deleteMissing is on (Kafka)`,
        };
      }
      return {
        action: 'error', code: 'SLOT_LOST',
        reason: `${verdict.detail}. walcast streamed from it before (as its ${stateFile} records), so changes were lost to the topics. `
          + 'To re-snapshot, start once with snapshot.mode = when_needed (WALCAST_SNAPSHOT_MODE=when_needed); '
          + `to start over as on a first start, delete ${stateFile}`,
      };
    }
    case 'absent':
    case 'leftover': {
      const dropFirst = verdict.kind === 'leftover' && verdict.slot !== null;
      const why = verdict.kind === 'leftover' ? 'an earlier slot creation did not finish' : 'first start';
      if (mode === 'never') return { action: 'stream', slot: 'create', dropFirst, reason: `${why}; snapshot.mode is never` };
      return { action: 'snapshot', slot: 'create', dropFirst, reason: why };
    }
    case 'ours':
    case 'adopt': {
      const completed = snapshotCompleted(state, verdict, slotName);
      switch (mode) {
        case 'never': return { action: 'stream', slot: 'use', dropFirst: false, reason: 'snapshot.mode is never' };
        case 'always': return { action: 'snapshot', slot: 'use', dropFirst: false, reason: 'snapshot.mode is always' };
        case 'initial_only':
          return completed ? { action: 'done', reason: 'the initial snapshot is already complete' }
            : { action: 'snapshot', slot: 'use', dropFirst: false, reason: 'no completed snapshot for this slot' };
        case 'initial':
        case 'when_needed':
          return completed ? { action: 'stream', slot: 'use', dropFirst: false, reason: 'snapshot complete for this slot' }
            : { action: 'snapshot', slot: 'use', dropFirst: false, reason: 'the slot has no completed snapshot (interrupted or never taken)' };
      }
    }
  }
}

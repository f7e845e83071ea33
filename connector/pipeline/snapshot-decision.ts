/**
 * Start-up decision per `snapshot.mode`, Debezium's semantics:
 * - initial:      snapshot unless a completed snapshot is recorded for this slot, then stream;
 * - always:       snapshot at every start, then stream;
 * - never:        stream only;
 * - initial_only: snapshot unless already completed, then stop;
 * - when_needed:  like initial, and also re-snapshot when the slot is missing or invalidated.
 * Where the snapshot reads from:
 * - no slot: create one with an exported snapshot; the read shows the database exactly at the
 *   slot's consistent point and streaming from there neither misses nor repeats a change;
 * - a usable slot (an interrupted snapshot, `always`): keep it, read a fresh snapshot, then
 *   stream from the slot's position, which lies before the read. Changes in between are
 *   replayed after the snapshot rows, so the topic converges to the table — in particular rows
 *   an interrupted snapshot already published and that were deleted since get their delete.
 *   Dropping the slot instead would lose those deletes and resurrect the rows;
 * - an invalidated slot: it must be dropped and recreated (WAL is gone; when_needed only).
 */
import { Lsn, parseLsn } from '../protocol/lsn';
import type { SnapshotMode } from '../../config/types';
import type { SlotInfo } from '../source/slot';
import type { ConnectorState } from '../offsets/state-store';

export type SnapshotDecision =
  | { readonly action: 'stream'; readonly reason: string; readonly warning?: string }
  | { readonly action: 'snapshot'; readonly slot: 'create' | 'keep' | 'recreate'; readonly reason: string }
  | { readonly action: 'done'; readonly reason: string }
  | { readonly action: 'error'; readonly reason: string };

/** True when the state records a completed snapshot that this slot continues from. */
export function snapshotCompleted(state: ConnectorState | null, slot: SlotInfo | null, slotName: string): boolean {
  const s = state?.snapshot;
  if (!s || s.status !== 'complete' || s.slot !== slotName || !slot) return false;
  let point: Lsn;
  try { point = parseLsn(s.consistentPoint); } catch { return false; }
  // A slot created before the recorded snapshot cannot be the one it belongs to.
  return slot.confirmedFlushLsn !== null && slot.confirmedFlushLsn >= point;
}

export function decideSnapshot(mode: SnapshotMode, slot: SlotInfo | null, state: ConnectorState | null, slotName: string): SnapshotDecision {
  const lost = slot?.walStatus === 'lost';
  const completed = snapshotCompleted(state, slot, slotName) && !lost;
  const snapshot = (reason: string): SnapshotDecision => ({ action: 'snapshot', slot: !slot ? 'create' : lost ? 'recreate' : 'keep', reason });
  switch (mode) {
    case 'never':
      if (lost) return { action: 'error', reason: `replication slot "${slotName}" is invalidated (wal_status = lost); drop it to start over, or use snapshot.mode when_needed` };
      return { action: 'stream', reason: 'snapshot.mode is never' };
    case 'always':
      if (lost) return { action: 'error', reason: `replication slot "${slotName}" is invalidated (wal_status = lost); drop it to start over, or use snapshot.mode when_needed` };
      return snapshot('snapshot.mode is always');
    case 'initial_only':
      if (lost) return { action: 'error', reason: `replication slot "${slotName}" is invalidated (wal_status = lost); drop it to start over` };
      return completed ? { action: 'done', reason: 'the initial snapshot is already complete' } : snapshot('no completed snapshot for this slot');
    case 'when_needed':
      if (!slot) return snapshot('the replication slot does not exist');
      if (lost) return snapshot('the replication slot is invalidated (wal_status = lost)');
      return completed ? { action: 'stream', reason: 'snapshot complete for this slot' } : snapshot('no completed snapshot for this slot');
    case 'initial':
      if (lost) return { action: 'error', reason: `replication slot "${slotName}" is invalidated (wal_status = lost): changes were lost; use snapshot.mode when_needed to re-snapshot` };
      if (completed) return { action: 'stream', reason: 'snapshot complete for this slot' };
      if (!slot && state?.snapshot?.status === 'complete' && state.snapshot.slot === slotName) {
        return {
          action: 'stream',
          reason: 'a snapshot was completed earlier',
          warning: `replication slot "${slotName}" is gone although a snapshot was completed: changes made while it was missing are not in the topics; use snapshot.mode when_needed to re-snapshot`,
        };
      }
      return snapshot(slot ? 'the slot has no completed snapshot (interrupted or never taken)' : 'first start');
  }
}

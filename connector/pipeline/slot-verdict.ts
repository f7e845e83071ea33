/**
 * What the slot on the server is to this connector, judged from the server's slot and the
 * slot identity in the state (offsets/state-store.ts). Pure; the attempt acts on it.
 * - absent:   no slot, and nothing recorded that says there should be one;
 * - leftover: walcast recorded that it was creating the slot and never recorded the result (a
 *             kill during CREATE_REPLICATION_SLOT): whatever is there was never used and is
 *             dropped, never streamed from;
 * - ours:     the slot walcast created (or adopted), at or behind what walcast confirmed;
 * - adopt:    a slot exists but no identity is recorded (first start on an existing slot, or a
 *             state written by an older walcast): taken as ours from now on;
 * - busy:     a slot still being created by a process walcast knows nothing of;
 * - gone:     walcast used the slot (its identity or a completed snapshot is recorded) and it
 *             was dropped, recreated (its position lies beyond anything walcast confirmed) or
 *             invalidated (wal_status = lost): changes were lost to the topics.
 */
import { formatLsn, Lsn, parseLsn } from '../protocol/lsn';
import type { ConnectorState, SlotRecord } from '../offsets/state-store';
import type { SlotInfo } from '../source/slot';

export type SlotVerdict =
  | { readonly kind: 'absent' }
  | { readonly kind: 'leftover'; readonly slot: SlotInfo | null }
  | { readonly kind: 'ours'; readonly slot: SlotInfo }
  | { readonly kind: 'adopt'; readonly slot: SlotInfo }
  | { readonly kind: 'busy'; readonly slot: SlotInfo }
  | { readonly kind: 'gone'; readonly slot: SlotInfo | null; readonly how: 'dropped' | 'recreated' | 'invalidated'; readonly detail: string };

/** The slot record in `state` for `slotName`, if any. */
export function slotRecord(state: ConnectorState | null, slotName: string): SlotRecord | null {
  return state?.slot?.name === slotName ? state.slot : null;
}

function lsnOrNull(text: string | undefined): Lsn | null {
  if (!text) return null;
  try { return parseLsn(text); } catch { return null; }
}

export function judgeSlot(state: ConnectorState | null, slot: SlotInfo | null, slotName: string): SlotVerdict {
  const record = slotRecord(state, slotName);
  if (record?.status === 'creating') return { kind: 'leftover', slot };
  const snap = state?.snapshot?.slot === slotName && state.snapshot.status === 'complete' ? state.snapshot : null;
  const used = record !== null || snap !== null;
  if (!slot) {
    if (!used) return { kind: 'absent' };
    return { kind: 'gone', slot, how: 'dropped', detail: `replication slot "${slotName}" no longer exists` };
  }
  if (slot.walStatus === 'lost') {
    return { kind: 'gone', slot, how: 'invalidated', detail: `replication slot "${slotName}" is invalidated (wal_status = lost): WAL it needed was removed` };
  }
  if (slot.confirmedFlushLsn === null) return { kind: 'busy', slot };
  if (!record) return { kind: 'adopt', slot };
  const high = [lsnOrNull(record.confirmedLsn), lsnOrNull(record.consistentPoint)].reduce<Lsn | null>((a, b) => (b !== null && (a === null || b > a) ? b : a), null);
  if (high !== null && slot.confirmedFlushLsn > high) {
    return {
      kind: 'gone', slot, how: 'recreated',
      detail: `replication slot "${slotName}" is at ${formatLsn(slot.confirmedFlushLsn)}, beyond anything walcast confirmed to it (${formatLsn(high)}): it was dropped and recreated, or advanced, by someone else`,
    };
  }
  return { kind: 'ours', slot };
}

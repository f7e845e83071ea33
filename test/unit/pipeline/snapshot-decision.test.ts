import { decideSnapshot, snapshotCompleted } from '../../../connector/pipeline/snapshot-decision';
import { judgeSlot } from '../../../connector/pipeline/slot-verdict';
import type { SlotInfo } from '../../../connector/source/slot';
import type { ConnectorState, SlotRecord, SnapshotRecord } from '../../../connector/offsets/state-store';
import { lsn } from '../../../connector/protocol/lsn';
import type { SnapshotMode } from '../../../connector/snapshot/options';

const slotAt = (confirmed: number | null, walStatus = 'reserved'): SlotInfo => ({
  name: 's', plugin: 'pgoutput', database: 'app', active: confirmed === null, activePid: confirmed === null ? 42 : null,
  confirmedFlushLsn: confirmed === null ? null : lsn(confirmed), restartLsn: confirmed === null ? null : lsn(confirmed), walStatus,
});
const snap = (status: 'complete' | 'in_progress', point = '0/100', slot = 's'): SnapshotRecord => ({ status, slot, consistentPoint: point, startedAt: '2026-01-01T00:00:00Z' });
const created = (point = '0/100', confirmed = point, name = 's'): SlotRecord => ({ name, plugin: 'pgoutput', status: 'created', requestedAt: 'a', consistentPoint: point, confirmedLsn: confirmed });
const creating: SlotRecord = { name: 's', plugin: 'pgoutput', status: 'creating', requestedAt: 'a' };
const st = (slot: SlotRecord | null, snapshot: SnapshotRecord | null): ConnectorState => ({ version: 2, slot, snapshot });

const decide = (mode: SnapshotMode, slot: SlotInfo | null, state: ConnectorState | null) =>
  // The store's location as FileStateStore names it.
  decideSnapshot(mode, judgeSlot(state, slot, 's'), state, 's', 'state file /state/x.state.json');

describe('slot verdict', () => {
  it('tells apart absent, ours, adopted, leftover, busy, dropped, recreated and invalidated slots', () => {
    expect(judgeSlot(null, null, 's').kind).toBe('absent');
    expect(judgeSlot(st(created('0/100', '0/180'), null), slotAt(0x180), 's').kind).toBe('ours');
    expect(judgeSlot(st(created('0/100', '0/180'), null), slotAt(0x120), 's').kind).toBe('ours');
    expect(judgeSlot(null, slotAt(0x100), 's').kind).toBe('adopt');
    expect(judgeSlot(st(null, snap('complete')), slotAt(0x200), 's').kind).toBe('adopt');
    expect(judgeSlot(st(creating, null), slotAt(0x100), 's').kind).toBe('leftover');
    expect(judgeSlot(st(creating, null), null, 's').kind).toBe('leftover');
    expect(judgeSlot(null, slotAt(null), 's').kind).toBe('busy');
    expect(judgeSlot(st(created(), null), null, 's')).toMatchObject({ kind: 'gone', how: 'dropped' });
    expect(judgeSlot(st(null, snap('complete')), null, 's')).toMatchObject({ kind: 'gone', how: 'dropped' });
    // a position beyond anything walcast confirmed: somebody else's slot under our name
    expect(judgeSlot(st(created('0/100', '0/180'), null), slotAt(0x181), 's')).toMatchObject({ kind: 'gone', how: 'recreated' });
    expect(judgeSlot(st(created(), null), slotAt(0x100, 'lost'), 's')).toMatchObject({ kind: 'gone', how: 'invalidated' });
  });

  it('ignores records of another slot name', () => {
    expect(judgeSlot(st(created('0/100', '0/100', 'other'), snap('complete', '0/100', 'other')), null, 's').kind).toBe('absent');
  });
});

describe('snapshot start-up decisions', () => {
  it('initial: snapshots on first start on a new slot, streams after a completed snapshot', () => {
    expect(decide('initial', null, null)).toMatchObject({ action: 'snapshot', slot: 'create', dropFirst: false });
    expect(decide('initial', slotAt(0x200), st(created('0/100', '0/200'), snap('complete')))).toMatchObject({ action: 'stream', slot: 'use' });
  });

  it('initial: redoes an interrupted snapshot keeping the slot (its changes since are replayed)', () => {
    expect(decide('initial', slotAt(0x100), st(created(), snap('in_progress')))).toMatchObject({ action: 'snapshot', slot: 'use' });
    expect(decide('initial', slotAt(0x100), null)).toMatchObject({ action: 'snapshot', slot: 'use' });
  });

  it('a slot whose creation never finished is dropped and created anew, never used', () => {
    expect(decide('initial', slotAt(0x100), st(creating, null))).toMatchObject({ action: 'snapshot', slot: 'create', dropFirst: true });
    expect(decide('initial', null, st(creating, null))).toMatchObject({ action: 'snapshot', slot: 'create', dropFirst: false });
    expect(decide('never', slotAt(0x100), st(creating, null))).toMatchObject({ action: 'stream', slot: 'create', dropFirst: true });
  });

  it('a snapshot recorded at 0/0 (older walcast) is not complete', () => {
    expect(snapshotCompleted(st(null, snap('complete', '0/0')), judgeSlot(null, slotAt(0x200), 's'), 's')).toBe(false);
    expect(decide('initial', slotAt(0x200), st(null, snap('complete', '0/0')))).toMatchObject({ action: 'snapshot', slot: 'use' });
  });

  it('a completed snapshot of another slot or an older slot does not count', () => {
    expect(decide('initial', slotAt(0x200), st(null, snap('complete', '0/100', 'other'))).action).toBe('snapshot');
    // the slot's confirmed position lies before the snapshot's consistent point: not the slot it belongs to
    expect(snapshotCompleted(st(null, snap('complete', '0/300')), judgeSlot(null, slotAt(0x200), 's'), 's')).toBe(false);
  });

  it('a dropped, recreated or invalidated slot after a snapshot is SLOT_LOST naming the remedy, except when_needed and always', () => {
    const cases: Array<[SlotInfo | null, ConnectorState]> = [
      [null, st(created(), snap('complete'))],
      [null, st(null, snap('complete'))],
      [slotAt(0x900), st(created('0/100', '0/200'), snap('complete'))],
      [slotAt(0x200, 'lost'), st(created(), snap('complete'))],
    ];
    for (const [slot, state] of cases) {
      for (const mode of ['initial', 'initial_only', 'never'] as const) {
        const d = decide(mode, slot, state);
        expect(d).toMatchObject({ action: 'error', code: 'SLOT_LOST' });
        expect(d.action === 'error' && d.reason).toMatch(/when_needed.*\/state\/x\.state\.json/s);
        expect(d.action === 'error' && d.reason).not.toMatch(/state state/);
      }
      for (const mode of ['when_needed', 'always'] as const) {
        const d = decide(mode, slot, state);
        expect(d).toMatchObject({ action: 'snapshot', slot: 'create', dropFirst: slot !== null });
        expect(d.action === 'snapshot' && d.warning).toMatch(/re-snapshotting/i);
      }
    }
  });

  it('never streams our slot without snapshot; a slot being created elsewhere is retried', () => {
    expect(decide('never', slotAt(0x100), st(created(), null))).toMatchObject({ action: 'stream', slot: 'use' });
    expect(decide('never', null, null)).toMatchObject({ action: 'stream', slot: 'create' });
    expect(decide('initial', slotAt(null), null)).toMatchObject({ action: 'error', code: 'SLOT_IN_USE' });
  });

  it('always snapshots at every start keeping our slot; initial_only stops once complete', () => {
    expect(decide('always', slotAt(0x200), st(created('0/100', '0/200'), snap('complete')))).toMatchObject({ action: 'snapshot', slot: 'use' });
    expect(decide('initial_only', slotAt(0x200), st(created('0/100', '0/200'), snap('complete'))).action).toBe('done');
    expect(decide('initial_only', slotAt(0x200), st(created('0/100', '0/200'), snap('in_progress'))).action).toBe('snapshot');
    expect(decide('when_needed', slotAt(0x200), st(created('0/100', '0/200'), snap('complete'))).action).toBe('stream');
  });
});

import { decideSnapshot, snapshotCompleted } from '../../../connector/pipeline/snapshot-decision';
import type { SlotInfo } from '../../../connector/source/slot';
import type { ConnectorState } from '../../../connector/offsets/state-store';
import { lsn } from '../../../connector/protocol/lsn';

const slotAt = (confirmed: number, walStatus = 'reserved'): SlotInfo => ({
  name: 's', plugin: 'pgoutput', database: 'app', active: false, activePid: null,
  confirmedFlushLsn: lsn(confirmed), restartLsn: lsn(confirmed), walStatus,
});
const state = (status: 'complete' | 'in_progress', point = '0/100', slot = 's'): ConnectorState => ({
  version: 1, snapshot: { status, slot, consistentPoint: point, startedAt: '2026-01-01T00:00:00Z' },
});

describe('snapshot start-up decisions', () => {
  it('initial: snapshots on first start, streams after a completed snapshot', () => {
    expect(decideSnapshot('initial', null, null, 's')).toMatchObject({ action: 'snapshot', slot: 'create' });
    expect(decideSnapshot('initial', slotAt(0x200), state('complete'), 's').action).toBe('stream');
  });

  it('initial: redoes an interrupted snapshot keeping the slot (its changes since are replayed)', () => {
    expect(decideSnapshot('initial', slotAt(0x100), state('in_progress'), 's')).toMatchObject({ action: 'snapshot', slot: 'keep' });
    expect(decideSnapshot('initial', slotAt(0x100), null, 's')).toMatchObject({ action: 'snapshot', slot: 'keep' });
  });

  it('initial: a completed snapshot of another slot or an older slot does not count', () => {
    expect(decideSnapshot('initial', slotAt(0x200), state('complete', '0/100', 'other'), 's').action).toBe('snapshot');
    // the slot's confirmed position lies before the snapshot's consistent point: not the slot it belongs to
    expect(snapshotCompleted(state('complete', '0/300'), slotAt(0x200), 's')).toBe(false);
  });

  it('initial: an invalidated slot is an error, a vanished slot streams with a warning', () => {
    expect(decideSnapshot('initial', slotAt(0x200, 'lost'), state('complete'), 's').action).toBe('error');
    const d = decideSnapshot('initial', null, state('complete'), 's');
    expect(d.action).toBe('stream');
    expect(d.action === 'stream' && d.warning).toMatch(/when_needed/);
  });

  it('when_needed: re-snapshots when the slot is missing or lost', () => {
    expect(decideSnapshot('when_needed', null, state('complete'), 's')).toMatchObject({ action: 'snapshot', slot: 'create' });
    expect(decideSnapshot('when_needed', slotAt(0x200, 'lost'), state('complete'), 's')).toMatchObject({ action: 'snapshot', slot: 'recreate' });
    expect(decideSnapshot('when_needed', slotAt(0x200), state('complete'), 's').action).toBe('stream');
  });

  it('always snapshots; never never does; initial_only finishes once complete', () => {
    expect(decideSnapshot('always', slotAt(0x200), state('complete'), 's')).toMatchObject({ action: 'snapshot', slot: 'keep' });
    expect(decideSnapshot('always', slotAt(0x200, 'lost'), null, 's').action).toBe('error');
    expect(decideSnapshot('never', null, null, 's').action).toBe('stream');
    expect(decideSnapshot('never', slotAt(0x200, 'lost'), null, 's').action).toBe('error');
    expect(decideSnapshot('initial_only', slotAt(0x200), state('complete'), 's').action).toBe('done');
    expect(decideSnapshot('initial_only', null, null, 's').action).toBe('snapshot');
  });
});

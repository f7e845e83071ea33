import { alreadyCommitted } from '../../../connector/pipeline/open-tx';
import { lsn } from '../../../connector/protocol/lsn';

// The exactly-once skip rule: the offset holds the last committed transaction's commit LSN C and
// end LSN E; a later transaction's commit record starts at or after E.
describe('alreadyCommitted', () => {
  const committed = { commitLsn: lsn(0x1000), endLsn: lsn(0x1030) };
  it('skips the committed transaction itself and every earlier one', () => {
    expect(alreadyCommitted(lsn(0x1000), committed)).toBe(true);
    expect(alreadyCommitted(lsn(0x0fff), committed)).toBe(true);
  });
  it('keeps the next transaction, whose commit starts at the end of the committed one', () => {
    expect(alreadyCommitted(lsn(0x1030), committed)).toBe(false);
    expect(alreadyCommitted(lsn(0x1001), committed)).toBe(false);
  });
  it('skips nothing without a committed offset', () => {
    expect(alreadyCommitted(lsn(1), null)).toBe(false);
  });
});

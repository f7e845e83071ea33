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

// After a non-transactional logical message the offset holds its LSN m as both (PostgreSQL stamps
// a message with its record's end): a transaction whose commit record directly follows the
// message starts exactly at m and is NOT in Kafka; a message at m is the committed one.
describe('alreadyCommitted after a non-transactional message', () => {
  const afterMessage = { commitLsn: lsn(0x2000), endLsn: lsn(0x2000) };
  it('keeps a transaction whose commit record starts where the message ended', () => {
    expect(alreadyCommitted(lsn(0x2000), afterMessage, 'transaction')).toBe(false);
    expect(alreadyCommitted(lsn(0x2000), afterMessage)).toBe(false);
  });
  it('skips the message itself, earlier messages and transactions committed before it', () => {
    expect(alreadyCommitted(lsn(0x2000), afterMessage, 'message')).toBe(true);
    expect(alreadyCommitted(lsn(0x1ff0), afterMessage, 'message')).toBe(true);
    expect(alreadyCommitted(lsn(0x1fc0), afterMessage, 'transaction')).toBe(true);
  });
  it('after a transaction, skips a message that ended right at its commit record', () => {
    const afterTx = { commitLsn: lsn(0x1000), endLsn: lsn(0x1030) };
    expect(alreadyCommitted(lsn(0x1000), afterTx, 'message')).toBe(true);
    expect(alreadyCommitted(lsn(0x1038), afterTx, 'message')).toBe(false);
  });
});

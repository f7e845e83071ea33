import { healthOf } from '../../../connector/cli/run';

describe('health by phase', () => {
  it('is ready only while snapshotting or streaming, and live in every phase but failed', () => {
    expect(healthOf('streaming')).toEqual({ status: 'UP', live: true });
    expect(healthOf('snapshotting')).toEqual({ status: 'UP', live: true });
    // A standby and a connector waiting for its broker are alive: a restart cures neither.
    expect(healthOf('standby')).toEqual({ status: 'DOWN', live: true });
    expect(healthOf('backoff')).toEqual({ status: 'DOWN', live: true });
    expect(healthOf('connecting')).toEqual({ status: 'STARTING', live: true });
    expect(healthOf('failed')).toEqual({ status: 'DOWN', live: false });
  });
});

/**
 * walcast against Debezium 3.6.1 under each value handling mode, both configured the same way:
 * the type-torture rows through the snapshot and through streaming (pgoutput). One Debezium JVM
 * per group of modes.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat
 */
import type { EnvelopeConfig } from '../../../config/types';
import { createTestDatabase } from '../../infra/env';
import { startPair, unexplainedDifferences } from './run-pair';
import { createTortureSchema, seedTorture } from './torture';

interface ModeGroup {
  readonly label: string;
  readonly envelope: Partial<EnvelopeConfig>;
  readonly debezium: Record<string, string>;
}

const GROUPS: readonly ModeGroup[] = [
  {
    label: 'decimal double, time adaptive_time_microseconds, binary base64, interval string',
    envelope: { decimalHandling: 'double', timePrecision: 'adaptive_time_microseconds', binaryHandling: 'base64', intervalHandling: 'string' },
    debezium: {
      'decimal.handling.mode': 'double', 'time.precision.mode': 'adaptive_time_microseconds',
      'binary.handling.mode': 'base64', 'interval.handling.mode': 'string',
    },
  },
  {
    label: 'decimal string, time connect, binary hex',
    envelope: { decimalHandling: 'string', timePrecision: 'connect', binaryHandling: 'hex' },
    debezium: { 'decimal.handling.mode': 'string', 'time.precision.mode': 'connect', 'binary.handling.mode': 'hex' },
  },
  {
    label: 'binary base64-url-safe, time isostring, hstore map',
    envelope: { binaryHandling: 'base64-url-safe', timePrecision: 'isostring', hstoreHandling: 'map' },
    debezium: { 'binary.handling.mode': 'base64-url-safe', 'time.precision.mode': 'isostring', 'hstore.handling.mode': 'map' },
  },
];

describe.each(GROUPS)('compat: walcast vs Debezium, $label', ({ label, envelope, debezium }) => {
  it('snapshot and streaming of the torture rows give the same records', async () => {
    const db = await createTestDatabase('compat');
    await createTortureSchema(db);
    await seedTorture(db);
    const pair = await startPair(db, { tables: ['public.torture'], envelope, debeziumProps: debezium });
    try {
      await seedTorture(db, [1, 2, 3, 4], 10);
      const done = (rs: ReadonlyArray<{ value: unknown }>) => rs.filter((r) => (r.value as { op?: string } | null)?.op === 'c').length >= 4;
      await pair.debezium.waitForRecords(done, 60_000);
      await pair.walcast.waitForRecords(done, 60_000);
      expect(unexplainedDifferences(label.replace(/[^a-z0-9]+/gi, '-'), pair)).toBe('');
    } finally {
      await pair.stop();
    }
  });
});

/**
 * The Debezium reference runner itself: properties pass through and schemas: true prints Kafka
 * Connect's {schema, payload} with Debezium's semantic type names (the reference for walcast's
 * future schemas-on output).
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat
 */
import { createTestDatabase } from '../../infra/env';
import { startDebezium } from '../../peers/debezium-runner';

interface Field { field: string; name?: string; type: string; fields?: Field[] }

describe('Debezium reference runner', () => {
  it('passes properties through and prints {schema, payload} with schemas on', async () => {
    const db = await createTestDatabase('compat');
    await db.query('CREATE TABLE s (id integer PRIMARY KEY, amount numeric(10,2), at timestamptz)');
    await db.query(`INSERT INTO s VALUES (1, 12.50, '2024-01-01 00:00:00+00')`);
    const d = await startDebezium(db, { tables: ['public.s'], schemas: true, props: { 'decimal.handling.mode': 'string' } });
    try {
      const [r] = await d.waitForRecords((rs) => rs.length >= 1, 30_000);
      const value = r!.value as { schema: { name: string; fields: Field[] }; payload: { after: { amount: unknown }; op: string } };
      expect(value.schema.name).toBe(`${d.topicPrefix}.public.s.Envelope`);
      expect(value.payload.op).toBe('r');
      expect(value.payload.after.amount).toBe('12.50'); // decimal.handling.mode=string reached Debezium
      const after = value.schema.fields.find((f) => f.field === 'after')!;
      expect(after.fields!.find((f) => f.field === 'at')).toMatchObject({ type: 'string', name: 'io.debezium.time.ZonedTimestamp' });
      expect((r!.key as { schema: { fields: Field[] } }).schema.fields).toEqual([expect.objectContaining({ field: 'id', type: 'int32' })]);
    } finally {
      await d.stop();
    }
    const slots = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [d.slot]);
    expect(slots).toEqual([]);
  });
});

/**
 * One Debezium Server properties text configures both sides: Debezium gets its
 * `debezium.source.*` keys as they are, walcast gets what `--debezium-properties` maps them to
 * (config/debezium-properties.ts). The records must be the same, so the mapping carries each
 * setting's meaning, not just its name.
 * Run alone: npx jest --selectProjects integration --runInBand test/integration/compat/debezium-properties.test.ts
 */
import type { EnvelopeOptions } from '../../../connector/envelope/options';
import { mapDebeziumProperties } from '../../../config/debezium-properties';
import { parseProperties } from '../../../config/java-properties';
import { createTestDatabase } from '../../infra/env';
import { startPair, unexplainedDifferences } from './run-pair';

const PROPERTIES = `
debezium.source.decimal.handling.mode=string
debezium.source.time.precision.mode=connect
debezium.source.binary.handling.mode=hex
debezium.source.interval.handling.mode=string
debezium.source.tombstones.on.delete=false
debezium.source.skipped.operations=t
debezium.source.column.exclude.list=public\\\\.accounts\\\\.internal_note
debezium.source.column.mask.with.4.chars=public.accounts.pin
debezium.source.column.truncate.to.3.chars=public.accounts.nickname
debezium.source.column.mask.hash.v2.SHA-256.with.salt.pepper=public.accounts.email
debezium.source.message.key.columns=public.accounts:email
debezium.source.message.prefix.exclude.list=internal.*
debezium.format.key.schemas.enable=false
debezium.format.value.schemas.enable=false
`;

type Rec = { value: unknown };

test('compat: walcast configured by --debezium-properties vs Debezium configured by the same properties', async () => {
  const mapped = mapDebeziumProperties(parseProperties(PROPERTIES));
  expect(mapped.problems).toEqual([]);
  expect(mapped.ignored).toEqual([]);
  const envelope = (mapped.config as { envelope: Partial<EnvelopeOptions> }).envelope;
  const debezium = Object.fromEntries([...parseProperties(PROPERTIES)].filter(([k]) => k.startsWith('debezium.source.'))
    .map(([k, v]) => [k.replace(/^debezium\.source\./, ''), v]));

  const db = await createTestDatabase('compatprops');
  await db.query(`CREATE TABLE public.accounts (
    id int PRIMARY KEY, email text NOT NULL, balance numeric(12,2), opened timestamptz, photo bytea, grace interval,
    pin text, nickname varchar(20), internal_note text)`);
  await db.query(`INSERT INTO public.accounts VALUES
    (1, 'ann@example.com', 12.50, '2024-02-29 12:34:56.789+00', '\\xdeadbeef', '1 day 2 hours', '1234', 'Annie', 'vip')`);
  const pair = await startPair(db, { tables: ['public.accounts'], envelope, debeziumProps: debezium });
  try {
    await db.query(`INSERT INTO public.accounts VALUES
      (2, 'bob@example.com', -3.10, '1999-12-31 23:59:59+00', '\\x00', '-3 months', NULL, 'Bobby', 'x')`);
    await db.query("UPDATE public.accounts SET balance = 99.99 WHERE id = 1");
    await db.query('DELETE FROM public.accounts WHERE id = 2');
    await db.query("SELECT pg_logical_emit_message(true, 'internal.audit', 'hidden')");
    await db.query('TRUNCATE public.accounts');
    await db.query("SELECT pg_logical_emit_message(true, 'done', 'end')");
    const done = (rs: readonly Rec[]) => rs.some((r) => (r.value as { message?: { prefix?: string } } | null)?.message?.prefix === 'done');
    await pair.debezium.waitForRecords(done, 60_000);
    await pair.walcast.waitForRecords(done, 60_000);
    expect(unexplainedDifferences('debezium-properties', pair)).toBe('');
  } finally {
    await pair.stop();
  }
});

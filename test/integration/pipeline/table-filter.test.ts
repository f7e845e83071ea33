import { createTestDatabase, pgFromInfra, type TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';
import { waitFor } from '../../infra/wait';
import { type CliProcess, startCli, writeConfigFile } from '../support/cli-process';

// source.tables / excludeTables hold for the stream too when the publication may carry more
// tables than they select (publicationMode all_tables or disabled). They once held only for the
// snapshot: an excluded table's changes went to its topic, and a table the snapshot never read got
// a topic of changes only.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('table_filter');
  await db.query(`
    CREATE TABLE public.t1 (id int PRIMARY KEY, v text);
    CREATE TABLE public.t2 (id int PRIMARY KEY, v text);
    CREATE SCHEMA other;
    CREATE TABLE other.o (id int PRIMARY KEY, v text);
    CREATE TABLE other.nokey (v text);
    CREATE TABLE public.parts (id int PRIMARY KEY, v text) PARTITION BY RANGE (id);
    CREATE TABLE public.parts_a PARTITION OF public.parts FOR VALUES FROM (0) TO (1000);
    INSERT INTO public.t1 VALUES (100, 'snap'); INSERT INTO public.t2 VALUES (100, 'snap');
    INSERT INTO other.o VALUES (100, 'snap'); INSERT INTO public.parts VALUES (100, 'snap');`);
});

afterAll(async () => {
  await pgFromInfra().close();
});

interface Seen { topic: string; op: string; id: number | null }

function seen(p: CliProcess, name: string): Seen[] {
  return p.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => {
    const r = JSON.parse(l) as { topic: string; value: { op: string; after: { id: number } | null; before: { id: number } | null } | null };
    return { topic: r.topic.slice(name.length + 1), op: r.value?.op ?? 'tombstone', id: r.value?.after?.id ?? r.value?.before?.id ?? null };
  });
}

async function runUntilSentinel(name: string, source: Record<string, unknown>, work: () => Promise<void>,
  started?: () => Promise<void>, extra: Record<string, unknown> = {}): Promise<{ records: Seen[]; stderr: string }> {
  const config = writeConfigFile({
    name, source: { url: db.url, heartbeatMs: 300, ...source }, snapshot: { mode: 'initial' }, sink: { type: 'stdout' },
    log: { level: 'info', format: 'json' }, http: { port: 0 }, offsets: { stateDir: tempDir('walcast-tf-') }, ...extra,
  });
  const p = startCli(['run', '--config', config]);
  try {
    // By default the work waits for streaming; `started` replaces that wait.
    if (started) await started();
    else await waitFor(() => p.stderr().includes('"msg":"connector streaming"'), { timeoutMs: 60_000, message: () => `streaming; stderr:\n${p.stderr()}` });
    await work();
    await db.query('INSERT INTO public.t1 VALUES (999, \'sentinel\')');
    await waitFor(() => seen(p, name).some((r) => r.topic === 'public.t1' && r.id === 999), { timeoutMs: 60_000, message: () => `the sentinel; stderr:\n${p.stderr()}` });
    return { records: seen(p, name), stderr: p.stderr() };
  } finally {
    p.child.kill('SIGTERM');
    await p.exited;
    await db.query('DELETE FROM public.t1 WHERE id = 999');
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [`walcast_${name}`]);
  }
}

test('publicationMode all_tables: the stream carries only the configured tables, new matching tables and new partitions included', async () => {
  const name = uniqueName('tfall');
  const { records, stderr } = await runUntilSentinel(name, {
    tables: ['public.t*', 'public.parts'], excludeTables: ['public.t2'], publicationMode: 'all_tables', publication: name,
  }, async () => {
    await db.query('INSERT INTO public.t1 VALUES (1, \'x\'); INSERT INTO public.t2 VALUES (1, \'x\'); INSERT INTO other.o VALUES (1, \'x\')');
    await db.query('CREATE TABLE public.t3 (id int PRIMARY KEY, v text); INSERT INTO public.t3 VALUES (1, \'new\')');
    await db.query('CREATE TABLE public.parts_b PARTITION OF public.parts FOR VALUES FROM (1000) TO (2000)');
    await db.query('INSERT INTO public.parts VALUES (1, \'a\'), (1001, \'b\')');
    await db.query('TRUNCATE public.t2, public.t3');
  });
  try {
    const byTopic = (t: string): string[] => records.filter((r) => r.topic === t).map((r) => `${r.op}${r.id ?? ''}`);
    // The snapshot reads the partitioned table under its own name; its partitions' changes come
    // under theirs (no publish_via_partition_root).
    expect([...new Set(records.map((r) => r.topic))].sort()).toEqual(['public.parts', 'public.parts_a', 'public.parts_b', 'public.t1', 'public.t3']);
    expect(byTopic('public.parts')).toEqual(['r100']);
    expect(byTopic('public.t1')).toEqual(['r100', 'c1', 'c999']);
    expect(byTopic('public.t3')).toEqual(['c1', 't']);
    expect(byTopic('public.parts_a')).toEqual(['c1']);
    expect(byTopic('public.parts_b')).toEqual(['c1001']);
    // parts_b: a table created since the start that source.tables does not name, kept and said once.
    expect(stderr.match(/changes of public\.parts_b, a table created since the start/g)).toHaveLength(1);
    // FOR ALL TABLES publishes other.nokey too (not configured): its UPDATE/DELETE now fail, said.
    expect(stderr).toMatch(/"table":"other\.nokey".*table has no replica identity: UPDATE and DELETE on it will fail while it is published/);
  } finally {
    await db.query('DROP TABLE public.t3; DROP TABLE public.parts_b');
    await db.query(`DROP PUBLICATION IF EXISTS "${name}"`);
  }
});

test('publicationMode all_tables: a matching table created while the snapshot runs is streamed', async () => {
  // public.t4 is made and written after the slot, while the snapshot still reads (20,000 rows in
  // chunks of 10). The filter must start from the table list taken before the slot, or t4 counts
  // as an existing, unselected table and its rows are dropped.
  const name = uniqueName('tfsnap');
  await db.query('CREATE TABLE public.tbig (id int PRIMARY KEY); INSERT INTO public.tbig SELECT generate_series(1, 20000)');
  let madeAt = 0;
  try {
    const { records, stderr } = await runUntilSentinel(name, {
      tables: ['public.t*'], excludeTables: ['public.t2'], publicationMode: 'all_tables', publication: name,
    }, async () => {
      await db.query('CREATE TABLE public.t4 (id int PRIMARY KEY, v text); INSERT INTO public.t4 VALUES (1, \'made during the snapshot\')');
      madeAt = Date.now();
    }, async () => {
      await waitFor(async () => (await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [`walcast_${name}`])).length > 0,
        { timeoutMs: 60_000, intervalMs: 10, message: 'the slot' });
    }, { snapshot: { mode: 'initial', chunkRows: 10 } });
    // The test's premise: the snapshot was still running when t4 was written.
    const done = /"time":"([^"]+)"[^\n]*"msg":"snapshot complete"/.exec(stderr);
    expect(done && Date.parse(done[1]!) > madeAt).toBe(true);
    expect(records.filter((r) => r.topic === 'public.t4').map((r) => `${r.op}${r.id}`)).toEqual(['c1']);
  } finally {
    await db.query('DROP TABLE IF EXISTS public.t4; DROP TABLE public.tbig');
    await db.query(`DROP PUBLICATION IF EXISTS "${name}"`);
  }
});

test('publicationMode disabled: a publication of more tables than configured streams only the configured ones', async () => {
  const name = uniqueName('tfdis');
  await db.query(`CREATE PUBLICATION "${name}" FOR TABLE public.t1, public.t2`);
  try {
    const { records, stderr } = await runUntilSentinel(name, { tables: ['public.t1', 'other.nokey'], publicationMode: 'disabled', publication: name }, async () => {
      await db.query('INSERT INTO public.t2 VALUES (2, \'x\'); INSERT INTO public.t1 VALUES (2, \'x\')');
    });
    // other.nokey is configured but not in this publication walcast did not make: nothing to warn of.
    expect(stderr).not.toMatch(/no replica identity/);
    expect(records.map((r) => `${r.topic} ${r.op}${r.id ?? ''}`)).toEqual(['public.t1 r1', 'public.t1 r100', 'public.t1 c2', 'public.t1 c999']);
  } finally {
    await db.query(`DROP PUBLICATION "${name}"`);
  }
});

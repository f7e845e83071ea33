/**
 * Exactly-once into Kafka (sink.kafka.exactlyOnce), proven with what a read_committed consumer
 * sees (Apache Kafka's Java consumer, infra/kafka-committed.ts): every row version exactly once
 * (no duplicate, none lost, per-key order kept) after
 *   - a storm of kill -9 restarts during a concurrent workload with rollbacks and 2000-row
 *     transactions;
 *   - a kill in the middle of a snapshot: the restart resumes from the last committed chunk
 *     (rows of committed chunks keep their first 'r' record and are not read again);
 *   - a second instance started on the same config (a standby that takes over and fences).
 * The connector runs as the built CLI (kill -9 as in production) on the run's Kafka broker.
 */
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../../config/load';
import { createTestDatabase, kafkaFromInfra, TestDatabase } from '../../infra/env';
import { readCommittedJava, type CommittedMessage } from '../../infra/kafka-committed';
import { describeBatch, explainLocations, storedBatches } from '../../infra/kafka-log-dump';
import { waitFor } from '../../infra/wait';
import type { CliProcess } from '../support/cli-process';
import { eosTable, EosRuns, pacedWorkload } from '../support/eos-runs';
import { commitLsnOfId, currentWalLsn, replayDiff, tableState, waitConfirmedPast, type TopicMessage } from '../support/connector';
import type { StdoutScenario } from '../support/stdout-run';

const KILLS = Number(process.env.WALCAST_EOS_KILLS ?? 20);
const SEED = 2000;

interface Verdict {
  readonly messages: number;
  readonly duplicates: string[];
  readonly lost: string[];
  readonly disorder: string[];
}

/**
 * The oracle. Seeded rows (id <= SEED) are only ever updated by v = v + 1, so their versions in
 * the topic must run r, then +1 per update with no gap and no repeat; inserted rows appear once
 * as c, at most once as d; ids are unique; commit LSNs never go back per key; the replay equals
 * the table.
 */
function judge(expected: Map<string, Record<string, unknown>>, msgs: readonly CommittedMessage[]): Verdict {
  const asTopic: TopicMessage[] = msgs.map((m) => ({ key: m.key, value: m.value, headers: { 'walcast.id': m.id } }));
  // Per id, where its copies are (partition@offset): adjacent offsets point at one produce sent
  // twice, distant ones at a transaction replayed after a restart.
  const ids = new Map<string, string[]>();
  for (const m of msgs) {
    const at = `${m.partition}@${m.offset}`;
    const seen = ids.get(m.id);
    if (seen) seen.push(at);
    else ids.set(m.id, [at]);
  }
  const duplicates = [...ids].filter(([, at]) => at.length > 1).map(([id, at]) => `${id} x${at.length} at ${at.join(',')}`);
  const disorder: string[] = [];
  const perKey = new Map<string, CommittedMessage[]>();
  for (const m of msgs) {
    if (m.key === null) continue;
    const k = m.key.toString();
    if (!perKey.has(k)) perKey.set(k, []);
    perKey.get(k)!.push(m);
  }
  for (const [k, list] of perKey) {
    list.sort((a, b) => (a.partition - b.partition) || (a.offset < b.offset ? -1 : 1));
    let lastLsn = -1n;
    const ops: string[] = [];
    const vs: number[] = [];
    for (const m of list) {
      const lsnOf = commitLsnOfId(m.id);
      if (lsnOf < lastLsn) disorder.push(`${k}: ${m.id} after a later commit`);
      lastLsn = lsnOf;
      if (m.value === null) continue;
      const v = JSON.parse(m.value.toString()) as { op: string; after: { v: number } | null };
      ops.push(v.op);
      if (v.after) vs.push(v.after.v);
    }
    const id = (JSON.parse(k) as { id: number }).id;
    if (id <= SEED) {
      if (ops[0] !== 'r' || ops.slice(1).some((o) => o !== 'u')) disorder.push(`${k}: ops ${ops.join(',')}`);
      for (let i = 1; i < vs.length; i++) if (vs[i] !== vs[i - 1]! + 1) { disorder.push(`${k}: versions ${vs.slice(Math.max(0, i - 2), i + 2).join(',')}`); break; }
    } else if (ops.filter((o) => o === 'c').length !== 1 || ops.filter((o) => o === 'd').length > 1) {
      disorder.push(`${k}: ops ${ops.join(',')}`);
    }
  }
  return { messages: msgs.length, duplicates, lost: replayDiff(expected, asTopic), disorder };
}

/** What a process said at start: committed offset read, producer epoch, slot start (`?` when it did not get there). */
function startFacts(log: string): string {
  const at = (re: RegExp): string => re.exec(log)?.[1] ?? '?';
  return `${at(/"committedLsn":"([^"]+)"/)}/e${at(/"producerEpoch":(\d+)/)}/${at(/"startLsn":"([^"]+)"/)}`;
}

/**
 * Where each duplicate's copies are as the broker stored them (producer epoch: which process;
 * the marker that ended its transaction) and the offset records committed around them, so one
 * failure tells a stale offset read from a transaction committed twice by one process.
 */
function forensics(topic: string, offsetsTopic: string, duplicates: readonly string[]): string {
  try {
    const dir = kafkaFromInfra().dir;
    const data = storedBatches(dir, topic);
    const locations = duplicates.flatMap((d) => / at (.*)$/.exec(d)?.[1]?.split(',') ?? []);
    const lines = explainLocations(data, locations);
    const times = locations.map((loc) => {
      const [p, o] = loc.split('@');
      return data.find((b) => b.partition === Number(p) && b.firstOffset <= BigInt(o!) && BigInt(o!) <= b.lastOffset)?.timestamp ?? 0n;
    }).filter((t) => t > 0n);
    const from = times.length > 0 ? times.reduce((a, b) => (a < b ? a : b)) - 3000n : 0n;
    const to = times.length > 0 ? times.reduce((a, b) => (a > b ? a : b)) + 1000n : 0n;
    const offsets = storedBatches(dir, offsetsTopic).filter((b) => b.timestamp >= from && b.timestamp <= to);
    return [...lines, `offsets topic ${offsetsTopic} from 3 s before the first copy to 1 s after the last:`, ...offsets.map(describeBatch)].join('\n');
  } catch (e) {
    return `(no forensics: ${(e as Error).message})`;
  }
}

/**
 * Per process that connected: the offset it read against the last offset record committed (its
 * transaction's COMMIT marker stored) before it logged "connected to Kafka". A mismatch is a
 * stale (or too new) read of the committed offset.
 */
function offsetReads(logs: readonly string[], offsetsTopic: string): string[] {
  const committed: { at: string; lsn: string | null }[] = [];
  let pending: string | null | undefined;
  for (const b of storedBatches(kafkaFromInfra().dir, offsetsTopic)) {
    if (!b.transactional) continue;
    if (b.marker === 'COMMIT' && pending !== undefined) committed.push({ at: new Date(Number(b.timestamp)).toISOString(), lsn: pending });
    if (b.marker !== null) pending = undefined;
    else pending = /"commitLsn":"?([^",]+)/.exec(b.records[b.records.length - 1]?.value ?? '')?.[1] ?? null;
  }
  return logs.map((log, i) => {
    const m = /"time":"([^"]+)"[^\n]*"committedLsn":"?([^",]+)/.exec(log);
    if (!m) return `process ${i}: did not connect`;
    const before = committed.filter((c) => c.at < m[1]!).pop();
    const expected = before ? String(before.lsn) : 'null';
    // What the read saw (kafka-sink's offsetRead): where it read, what it kept and dropped.
    const seen = /"offsetRead":(\{[^}]*\})/.exec(log)?.[1] ?? '';
    return `process ${i}: read ${m[2]} at ${m[1]}, last committed before ${expected} at ${before?.at ?? '-'}${expected === m[2] ? '' : '  <<< differs'} ${seen}`;
  });
}

/** A concurrent workload: small transactions, rollbacks, deletes and 2000-row transactions. */
function workload(db: TestDatabase): { stop(): Promise<number> } {
  // Paced (not a throughput test): the backlog a kill leaves must be worked off in seconds.
  return pacedWorkload(db, 4, async (writer, n) => {
    if (n % 200 === 0) {
      // 2000 rows in one transaction: 1000 updates and 1000 inserts.
      const from = n % 400 === 0 ? 1 : 1001;
      await writer.query(`BEGIN; UPDATE t SET v = v + 1 WHERE id BETWEEN ${from} AND ${from + 999};
        INSERT INTO t SELECT g, 0 FROM generate_series(${1_000_000 + n * 1000}, ${1_000_000 + n * 1000 + 999}) g; COMMIT;`);
    } else if (n % 5 === 0) {
      await writer.query(`BEGIN; UPDATE t SET v = v + 100 WHERE id = ${1 + (n % SEED)}; INSERT INTO t VALUES (${-n}, 0); ROLLBACK;`);
    } else {
      await writer.query(`BEGIN; INSERT INTO t VALUES (${100_000 + n}, 0); UPDATE t SET v = v + 1 WHERE id = ${1 + (n % SEED)}; COMMIT;`);
      if (n % 4 === 1 && n > 8) await writer.query('DELETE FROM t WHERE id = $1', [100_000 + n - 8]);
    }
  });
}

describe('exactly-once into Kafka', () => {
  let db: TestDatabase;
  let s: StdoutScenario;
  const runs = new EosRuns();
  const procs = runs.procs;
  beforeAll(async () => { db = await createTestDatabase('eos'); });
  afterEach(() => runs.cleanup(db, s.slot));

  /** Table t with `rows` rows and an exactly-once connector config on it (snapshot settings over the defaults). */
  async function setUp(rows = SEED, snapshot: Record<string, unknown> = {}): Promise<{ file: string; topic: string; config: Record<string, unknown> }> {
    const t = await eosTable(db, rows, { snapshot });
    s = t.s;
    return t;
  }

  const start = (file: string): CliProcess => runs.start(file);

  async function verdictAfter(topic: string, config: Record<string, unknown>, running: CliProcess): Promise<Verdict> {
    // Everything committed is confirmed: the slot passes the WAL end after the workload.
    const end = await currentWalLsn(db) - 1n;
    await waitConfirmedPast(db, s.slot, end, 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${running.stderr().slice(-4000)}`);
    });
    const c = loadConfig({ env: {}, overrides: config });
    expect(c.sink.kafka.exactlyOnce).toBe(true);
    return judge(await tableState(db, 't'), await readCommittedJava(kafkaFromInfra().bootstrap, [topic]));
  }

  it(`${KILLS} kill -9 restarts during a workload with rollbacks and 2000-row transactions: every row version once`, async () => {
    const { file, topic, config } = await setUp();
    // The initial snapshot first (its interruption is the snapshot test's business).
    const first = start(file);
    await waitFor(() => /"to":"streaming"/.test(first.stderr()), { timeoutMs: 60_000, message: () => first.stderr().slice(-3000) });
    const load = workload(db);
    let skippedLogs = 0;
    let transactions = 0;
    // Per restart: reached streaming (S) and the offset it read: progress across the storm.
    const trail: string[] = [];
    try {
      first.child.kill('SIGKILL');
      await first.exited;
      for (let k = 0; k < KILLS; k++) {
        const p = start(file);
        // Half the kills once streaming (mid-transaction, mid-commit), half at a random moment.
        if (k % 2 === 0) await waitFor(() => /"to":"streaming"/.test(p.stderr()) || p.child.exitCode !== null, { timeoutMs: 30_000, intervalMs: 5 }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 1500)));
        p.child.kill('SIGKILL');
        await p.exited;
        if (/skipped \d+ replayed transaction/.test(p.stderr())) skippedLogs += 1;
        trail.push(`${/"to":"streaming"/.test(p.stderr()) ? 'S' : '-'}${startFacts(p.stderr())}`);
        expect(p.stderr()).not.toMatch(/SINK_FENCED/);
      }
      const last = start(file);
      await waitFor(() => /"to":"streaming"/.test(last.stderr()), { timeoutMs: 60_000, message: () => last.stderr().slice(-3000) });
      await new Promise((r) => setTimeout(r, 1000));
      expect(last.stderr().length).toBeLessThan(1 << 20);
    } finally {
      transactions = await load.stop();
    }
    const finalLog = procs[procs.length - 1]!.stderr();
    const byMsg = new Map<string, number>();
    for (const line of finalLog.split('\n')) {
      const msg = /"msg":"([^"]{0,80})/.exec(line)?.[1];
      if (msg) byMsg.set(msg, (byMsg.get(msg) ?? 0) + 1);
    }
    console.log(`[eos storm] restarts (streaming?, committed offset read/producer epoch/slot start): ${trail.join(' ')}; final ${startFacts(finalLog)}`);
    console.log(`[eos storm] final process: ${finalLog.length} bytes of log, top messages ${JSON.stringify([...byMsg].sort((a, b) => b[1] - a[1]).slice(0, 12))}`);
    const v = await verdictAfter(topic, config, procs[procs.length - 1]!);
    const offsetsTopic = (config.offsets as { topic: string }).topic;
    // WALCAST_EOS_DEBUG=<file>: every process's log and the duplicates, for a failure to be read later.
    if (process.env.WALCAST_EOS_DEBUG) {
      const stored = storedBatches(kafkaFromInfra().dir, offsetsTopic).map(describeBatch).join('\n');
      writeFileSync(process.env.WALCAST_EOS_DEBUG, procs.map((p, i) => `=== process ${i}\n${p.stderr()}`).join('\n')
        + `\n=== dups\n${v.duplicates.join('\n')}\n${forensics(topic, offsetsTopic, v.duplicates)}\n=== offsets read at start\n`
        + `${offsetReads(procs.map((p) => p.stderr()), offsetsTopic).join('\n')}\n=== offsets topic as stored\n${stored}\n`);
    }
    console.log(`[eos storm] ${KILLS} kills, ${transactions} workload transactions, ${v.messages} committed records, replayed transactions skipped in ${skippedLogs} restarts`);
    if (v.duplicates.length > 0) {
      console.log(`[eos storm] duplicates as stored:\n${forensics(topic, offsetsTopic, v.duplicates)}\n`
        + `[eos storm] offsets read at start:\n${offsetReads(procs.map((p) => p.stderr()), offsetsTopic).join('\n')}`);
    }
    expect(v.duplicates.slice(0, 10)).toEqual([]);
    expect(v.lost.slice(0, 10)).toEqual([]);
    expect(v.disorder.slice(0, 10)).toEqual([]);
    expect(skippedLogs).toBeGreaterThan(0);
  }, 600_000);

  it('a second instance on the same config waits as standby, then takes over and fences the first: still every row version once', async () => {
    const { file, topic, config } = await setUp();
    const a = start(file);
    await waitFor(() => /"to":"streaming"/.test(a.stderr()), { timeoutMs: 60_000, message: () => a.stderr().slice(-3000) });
    const load = workload(db);
    let b: CliProcess;
    try {
      b = start(file);
      await waitFor(() => /"to":"standby"/.test(b.stderr()), { timeoutMs: 30_000, message: () => b.stderr().slice(-3000) });
      await new Promise((r) => setTimeout(r, 1500));
      // The standby touched nothing: it never connected a producer.
      expect(b.stderr()).not.toMatch(/connected to Kafka/);
      a.child.kill('SIGKILL');
      await a.exited;
      await waitFor(() => /"to":"streaming"/.test(b.stderr()), { timeoutMs: 60_000, message: () => b.stderr().slice(-3000) });
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await load.stop();
    }
    expect(b!.stderr()).toMatch(/earlier producers of this transactional.id fenced/);
    const v = await verdictAfter(topic, config, b!);
    expect(v.duplicates.slice(0, 10)).toEqual([]);
    expect(v.lost.slice(0, 10)).toEqual([]);
    expect(v.disorder.slice(0, 10)).toEqual([]);
  }, 300_000);

  it('a kill in the middle of a snapshot: the restart resumes from the last committed chunk, every row read once', async () => {
    const ROWS = 20_000;
    const { file, topic } = await setUp(ROWS, { parallelism: 2 });
    const snapshotPrefix = (m: CommittedMessage): string => m.id.split(':r:')[0]!;

    // Kill once part of the snapshot is committed (read_committed shows some rows, not all).
    const partial = await runs.killMidSnapshot(file, topic, ROWS, (tries) => 300 + tries * 150);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(ROWS);
    const firstIds = new Set((await readCommittedJava(kafkaFromInfra().bootstrap, [topic])).map((m) => m.id));

    const last = start(file);
    await waitFor(() => /"to":"streaming"/.test(last.stderr()), { timeoutMs: 120_000, message: () => last.stderr().slice(-3000) });
    expect(last.stderr()).toMatch(/resuming the interrupted snapshot/);
    await db.query('UPDATE t SET v = v + 1 WHERE id <= 10');
    await waitConfirmedPast(db, s.slot, await currentWalLsn(db) - 1n, 60_000);

    const msgs = await readCommittedJava(kafkaFromInfra().bootstrap, [topic]);
    const reads = new Map<string, number>();
    for (const m of msgs) {
      const op = m.value ? (JSON.parse(m.value.toString()) as { op: string }).op : null;
      if (op === 'r') reads.set(m.key!.toString(), (reads.get(m.key!.toString()) ?? 0) + 1);
    }
    // Every row read exactly once, across the interrupted run and the resumed one.
    expect(reads.size).toBe(ROWS);
    expect([...reads].filter(([, n]) => n !== 1).slice(0, 5)).toEqual([]);
    // The committed chunks of the killed run are still there, and the resumed run read only
    // the rest: its snapshot counts exactly the rows the killed run had not committed.
    expect(msgs.filter((m) => firstIds.has(m.id))).toHaveLength(firstIds.size);
    const resumedRows = Number(/"rows":(\d+)[^\n]*"msg":"snapshot complete"/.exec(last.stderr())?.[1] ?? -1);
    expect(resumedRows).toBe(ROWS - partial);
    const prefixes = new Set(msgs.filter((m) => m.id.includes(':r:')).map(snapshotPrefix));
    expect(replayDiff(await tableState(db, 't'), msgs.map((m) => ({ key: m.key, value: m.value, headers: { 'walcast.id': m.id } })))).toEqual([]);
    console.log(`[eos snapshot] killed with ${partial} of ${ROWS} rows committed; resumed under snapshot ids ${[...prefixes].join(', ')}`);
  }, 300_000);
});

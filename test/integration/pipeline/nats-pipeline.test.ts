/**
 * NATS-specific guarantees through the whole pipeline: a nats-server restart in the middle of a
 * workload loses nothing, and a subject no stream covers is a clear startup error.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNats, readSubject } from '../../infra/nats';
import { natsFromInfra } from '../../infra/env';
import { waitFor } from '../../infra/wait';
import { dropSlotAndPublication, lsnBeforeCommit, replay, run, scenario, waitConfirmedPast } from '../support/connector';

describe('NATS through the pipeline', () => {
  it('a nats-server restart in the middle of a workload loses nothing and stores no duplicates', async () => {
    const server = await startNats();
    const s = await scenario({ type: 'nats', nats: { servers: [server.info.url] } });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    const r = run(s.config);
    try {
      await waitFor(() => r.phases.includes('streaming'), { timeoutMs: 30_000 });
      let stop = false;
      const workload = (async () => {
        for (let n = 1; !stop; n++) {
          await s.db.query(`BEGIN; INSERT INTO t VALUES (${n}, 0); UPDATE t SET v = v + 1 WHERE id = ${Math.ceil(n / 2)}; COMMIT;`);
        }
      })();
      await waitFor(async () => ((await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n) > 300, { timeoutMs: 30_000 });
      await server.kill();
      await waitFor(async () => ((await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n) > 600, { timeoutMs: 30_000 });
      await server.restart();
      await waitFor(async () => ((await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n) > 900, { timeoutMs: 30_000 });
      stop = true;
      await workload;
      expect(r.phases).not.toContain('failed');

      const marker = await lsnBeforeCommit(s.db, 'UPDATE t SET v = v WHERE id = 1');
      await waitConfirmedPast(s.db, s.config.source.slot, marker, 120_000);
      const stored = await readSubject(server.info.url, s.config.sink.nats.stream, `${s.config.topicPrefix}.public.t`, { timeoutMs: 60_000 });
      const msgs = stored.map((m) => ({ key: Buffer.from(m.headers['walcast-key'][0]), value: m.data, headers: { 'walcast.id': m.headers['Nats-Msg-Id'][0] } }));
      const rows = await s.db.query<{ id: number; v: number }>('SELECT id, v FROM t');
      expect(replay(msgs)).toEqual(new Map(rows.map((x) => [JSON.stringify({ id: x.id }), { id: x.id, v: x.v }])));
      const ids = msgs.map((m) => m.headers['walcast.id']);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await r.handle.stop('test');
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
      await server.stop();
    }
  });

  it('refuses to start when no stream covers the subjects, naming them, and creates nothing', async () => {
    const nats = natsFromInfra();
    const s = await scenario({ type: 'nats', nats: { servers: [nats.url], createStream: false } });
    // A stream exists, but for other subjects.
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const other = `${s.config.sink.nats.stream}_other`;
    await jsm.streams.add({ name: other, subjects: [`${s.config.topicPrefix}.elsewhere.>`] });
    await s.db.query('CREATE TABLE t (id int PRIMARY KEY)');
    try {
      const r = run({ ...s.config, sink: { ...s.config.sink, nats: { ...s.config.sink.nats, stream: other } } } as typeof s.config);
      await expect(r.handle.done).rejects.toThrow(new RegExp(`${s.config.topicPrefix}\\.public\\.t`));
      expect(r.phases).toContain('failed');
      const [slot] = await s.db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [s.config.source.slot]);
      expect(slot).toBeUndefined();
    } finally {
      await jsm.streams.delete(other);
      await nc.close();
      await dropSlotAndPublication(s.db, s.config.source.slot, s.config.source.publication);
    }
  });
});

/**
 * A bad config exits 1 listing every problem at once, and leaves no slot or publication behind.
 */
import { kafkaFromInfra } from '../../infra/env';
import { createTestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { slotAndPublicationExist } from '../support/connector';
import { runCli, writeConfigFile } from '../support/cli-process';

describe('bad config', () => {
  it('reports every schema problem at once and creates nothing', async () => {
    const db = await createTestDatabase('badcfg');
    await db.query('CREATE TABLE t (id int PRIMARY KEY)');
    const slot = uniqueName('slot');
    const file = writeConfigFile({
      name: 'bad',
      source: { url: db.url, slot, publication: slot, plugin: 'decoderbufs', tables: ['public.t'], bogus: 1 },
      snapshot: { mode: 'sometimes' },
      sink: { type: 'kafka', kafka: { brokers: [] } },
    });
    const res = await runCli(['run', '--config', file]);
    expect(res.code).toBe(1);
    const text = res.stderr + res.stdout;
    expect(text).toMatch(/source\.plugin/);
    expect(text).toMatch(/snapshot\.mode/);
    expect(text).toMatch(/bogus/);
    expect(text).toMatch(/brokers/);
    expect(text).not.toContain('walcast-secret');
    expect(await slotAndPublicationExist(db, slot, slot)).toEqual({ slot: false, publication: false });
  });

  it('reports server-side problems (tables that do not exist, colliding topics) before creating anything', async () => {
    const db = await createTestDatabase('badcfg');
    await db.query('CREATE TABLE "a.b" (id int PRIMARY KEY); CREATE TABLE "a_b" (id int PRIMARY KEY);');
    const slot = uniqueName('slot');
    const file = writeConfigFile({
      name: 'bad2',
      source: { url: db.url, slot, publication: slot, tables: ['public.*', 'nosuch.table'] },
      snapshot: { mode: 'never' },
      sink: { type: 'kafka', kafka: { brokers: [kafkaFromInfra().bootstrap] } },
      http: { port: 0 },
    });
    const res = await runCli(['run', '--config', file]);
    expect(res.code).toBe(1);
    const text = res.stderr + res.stdout;
    expect(text).toMatch(/a\.b/);
    expect(text).toMatch(/a_b/);
    expect(await slotAndPublicationExist(db, slot, slot)).toEqual({ slot: false, publication: false });
  });
});

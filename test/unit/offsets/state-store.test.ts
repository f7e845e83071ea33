import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore, updateState } from '../../../connector/offsets/state-store';

describe('FileStateStore', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'walcast-unit-state-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('returns null before anything was written and round-trips what was written', async () => {
    const dir = join(root, 'nested');
    const store = new FileStateStore(dir, 'shop');
    expect(await store.read()).toBeNull();
    const state = {
      version: 2 as const,
      slot: { name: 's', plugin: 'pgoutput', status: 'created' as const, requestedAt: 'a', consistentPoint: '0/16B3748', confirmedLsn: '0/16B3800' },
      snapshot: { status: 'complete' as const, slot: 's', consistentPoint: '0/16B3748', startedAt: 'a', completedAt: 'b', rows: 3, tables: 1 },
    };
    await store.write(state);
    expect(await new FileStateStore(dir, 'shop').read()).toEqual(state);
    // replaced atomically: no temp files left behind
    expect(readdirSync(dir)).toEqual(['shop.state.json']);
  });

  it('reads a version 1 file (snapshot record only) as version 2 with an unknown slot identity', async () => {
    const snapshot = { status: 'complete', slot: 's', consistentPoint: '0/100', startedAt: 'a' };
    writeFileSync(join(root, 'shop.state.json'), JSON.stringify({ version: 1, snapshot }));
    expect(await new FileStateStore(root, 'shop').read()).toEqual({ version: 2, slot: null, snapshot });
  });

  it('updateState applies a change to the current state; clear removes the file', async () => {
    const store = new FileStateStore(root, 'shop');
    await updateState(store, (s) => ({ ...s, snapshot: { status: 'in_progress', slot: 's', consistentPoint: '0/1', startedAt: 'a' } }));
    expect((await store.read())?.snapshot?.status).toBe('in_progress');
    expect((await store.read())?.slot).toBeNull();
    await store.clear();
    expect(await store.read()).toBeNull();
    await expect(store.clear()).resolves.toBeUndefined();
  });

  it('refuses a corrupt file or an unknown version with a message naming it instead of guessing', async () => {
    writeFileSync(join(root, 'shop.state.json'), '{"version":');
    await expect(new FileStateStore(root, 'shop').read()).rejects.toThrow(/shop\.state\.json/);
    writeFileSync(join(root, 'shop.state.json'), '{"version":7}');
    await expect(new FileStateStore(root, 'shop').read()).rejects.toThrow(/unknown state version 7/);
  });
});

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../../connector/offsets/state-store';

describe('StateStore', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'walcast-unit-state-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('returns null before anything was written and round-trips what was written', () => {
    const dir = join(root, 'nested');
    const store = new StateStore(dir, 'shop');
    expect(store.read()).toBeNull();
    const state = {
      version: 2 as const,
      slot: { name: 's', plugin: 'pgoutput', status: 'created' as const, requestedAt: 'a', consistentPoint: '0/16B3748', confirmedLsn: '0/16B3800' },
      snapshot: { status: 'complete' as const, slot: 's', consistentPoint: '0/16B3748', startedAt: 'a', completedAt: 'b', rows: 3, tables: 1 },
    };
    store.write(state);
    expect(new StateStore(dir, 'shop').read()).toEqual(state);
    // replaced atomically: no temp files left behind
    expect(readdirSync(dir)).toEqual(['shop.state.json']);
  });

  it('reads a version 1 file (snapshot record only) as version 2 with an unknown slot identity', () => {
    const snapshot = { status: 'complete', slot: 's', consistentPoint: '0/100', startedAt: 'a' };
    writeFileSync(join(root, 'shop.state.json'), JSON.stringify({ version: 1, snapshot }));
    expect(new StateStore(root, 'shop').read()).toEqual({ version: 2, slot: null, snapshot });
  });

  it('update applies a change to the current state; clear removes the file', () => {
    const store = new StateStore(root, 'shop');
    store.update((s) => ({ ...s, snapshot: { status: 'in_progress', slot: 's', consistentPoint: '0/1', startedAt: 'a' } }));
    expect(store.read()?.snapshot?.status).toBe('in_progress');
    expect(store.read()?.slot).toBeNull();
    store.clear();
    expect(store.read()).toBeNull();
    expect(() => store.clear()).not.toThrow();
  });

  it('refuses a corrupt file or an unknown version with a message naming it instead of guessing', () => {
    writeFileSync(join(root, 'shop.state.json'), '{"version":');
    expect(() => new StateStore(root, 'shop').read()).toThrow(/shop\.state\.json/);
    writeFileSync(join(root, 'shop.state.json'), '{"version":7}');
    expect(() => new StateStore(root, 'shop').read()).toThrow(/unknown state version 7/);
  });
});

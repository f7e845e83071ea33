import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../../connector/offsets/state-store';

describe('StateStore', () => {
  it('returns null before anything was written and round-trips what was written', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'wc-state-')), 'nested');
    const store = new StateStore(dir, 'shop');
    expect(store.read()).toBeNull();
    const state = { version: 1 as const, snapshot: { status: 'complete' as const, slot: 's', consistentPoint: '0/16B3748', startedAt: 'a', completedAt: 'b', rows: 3, tables: 1 } };
    store.write(state);
    expect(new StateStore(dir, 'shop').read()).toEqual(state);
    // replaced atomically: no temp files left behind
    expect(readdirSync(dir)).toEqual(['shop.state.json']);
  });

  it('refuses a corrupt file with a message naming it instead of guessing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wc-state-'));
    writeFileSync(join(dir, 'shop.state.json'), '{"version":');
    expect(() => new StateStore(dir, 'shop').read()).toThrow(/shop\.state\.json/);
  });
});

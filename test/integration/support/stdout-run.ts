/**
 * Connector processes on the stdout sink: the built CLI as a child process (kill -9 works as in
 * production), its stdout parsed as topic messages so a replay can be compared with the table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectorState } from '../../../connector/offsets/state-store';
import type { TestDatabase } from '../../infra/env';
import { uniqueName } from '../../infra/names';
import { tempDir } from '../../infra/temp-dirs';
import type { TopicMessage } from './connector';

export interface StdoutScenario {
  readonly name: string;
  readonly slot: string;
  readonly publication: string;
  readonly stateDir: string;
  /** Config object for writeConfigFile (state dir and extra keys may be overridden per process). */
  config(extra?: Record<string, unknown>): Record<string, unknown>;
  stateFile(dir?: string): string;
  readState(dir?: string): ConnectorState | null;
}

export function stdoutScenario(db: TestDatabase, snapshotMode = 'initial'): StdoutScenario {
  const name = uniqueName('wc');
  const stateDir = tempDir('walcast-state-'); // removed after the test file
  const stateFile = (dir = stateDir): string => join(dir, `${name}.state.json`);
  return {
    name, stateDir, slot: `walcast_${name}`, publication: `walcast_${name}`,
    config: (extra = {}) => ({
      name,
      source: { url: db.url, heartbeatMs: 300, retryInitialMs: 200, retryMaxMs: 1000, tables: ['public.t'] },
      snapshot: { mode: snapshotMode },
      sink: { type: 'stdout' },
      log: { level: 'info' },
      http: { port: 0 },
      offsets: { stateDir },
      ...extra,
    }),
    stateFile,
    readState: (dir = stateDir) => {
      try { return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as ConnectorState; } catch { return null; }
    },
  };
}

/** Messages of `topic` in stdout-sink lines (`{"topic","id","key","value"}`), in order. */
export function stdoutMessages(text: string, topic: string): TopicMessage[] {
  const out: TopicMessage[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as { topic: string; id: string; key: unknown; value: unknown };
    if (r.topic !== topic) continue;
    out.push({
      key: r.key === null ? null : Buffer.from(JSON.stringify(r.key)),
      value: r.value === null ? null : Buffer.from(JSON.stringify(r.value)),
      headers: { 'walcast.id': r.id },
    });
  }
  return out;
}

export async function slotRow(db: TestDatabase, slot: string): Promise<{ active: boolean; active_pid: number | null; confirmed: string | null } | null> {
  const [row] = await db.query<{ active: boolean; active_pid: number | null; confirmed: string | null }>(
    'SELECT active, active_pid, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return row ?? null;
}

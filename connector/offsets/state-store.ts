/**
 * The connector's durable state: which slot a completed snapshot belongs to. One small JSON file
 * per connector, replaced atomically (write to a temp file, fsync, rename, fsync the directory),
 * so after kill -9 it holds either the old or the new state, never a torn one.
 *
 * The slot itself is the stream offset (PostgreSQL keeps confirmed_flush_lsn); this file only
 * records what the slot cannot: that the snapshot taken at the slot's consistent point was
 * fully delivered.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectorError } from '../errors';

export interface SnapshotRecord {
  readonly status: 'in_progress' | 'complete';
  readonly slot: string;
  /** The slot's consistent point (`X/Y`): the snapshot shows the database as of this LSN. */
  readonly consistentPoint: string;
  readonly startedAt: string;
  readonly completedAt?: string;
  readonly rows?: number;
  readonly tables?: number;
}

export interface ConnectorState {
  readonly version: 1;
  readonly snapshot: SnapshotRecord | null;
}

export class StateStore {
  readonly file: string;

  constructor(private readonly dir: string, name: string) {
    this.file = join(dir, `${name}.state.json`);
  }

  read(): ConnectorState | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ConnectorError('STATE', `cannot read state file ${this.file}`, { cause: e });
    }
    try {
      const parsed = JSON.parse(text) as ConnectorState;
      if (parsed.version !== 1) throw new Error(`unknown state version ${String(parsed.version)}`);
      return parsed;
    } catch (e) {
      throw new ConnectorError('STATE', `state file ${this.file} is not valid: ${(e as Error).message}; move it away to start over`, { cause: e });
    }
  }

  write(state: ConnectorState): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, JSON.stringify(state, null, 2) + '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      const dirFd = openSync(this.dir, 'r');
      try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
    } catch (e) {
      throw new ConnectorError('STATE', `cannot write state file ${this.file}`, { cause: e });
    }
  }
}

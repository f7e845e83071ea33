/**
 * The connector's durable state: the identity of the slot walcast created and which slot a
 * completed snapshot belongs to. One small JSON file per connector, replaced atomically (write
 * to a temp file, fsync, rename, fsync the directory), so after kill -9 it holds either the old
 * or the new state, never a torn one.
 *
 * The slot itself is the stream offset (PostgreSQL keeps confirmed_flush_lsn); this file records
 * what the slot cannot:
 * - that walcast is creating a slot (written before CREATE_REPLICATION_SLOT, so a slot left by a
 *   kill during creation is recognised and dropped instead of used);
 * - the slot's consistent point, and the highest position walcast ever confirmed to it (written
 *   before the confirmation is sent), so a slot dropped and recreated by someone else, whose
 *   position lies beyond anything walcast confirmed, is recognised;
 * - that the snapshot taken at the slot's consistent point was fully delivered.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectorError } from '../errors';

export interface SnapshotRecord {
  readonly status: 'in_progress' | 'complete';
  readonly slot: string;
  /** The position the snapshot is consistent with (`X/Y`); never 0/0. */
  readonly consistentPoint: string;
  readonly startedAt: string;
  readonly completedAt?: string;
  readonly rows?: number;
  readonly tables?: number;
  /** snapshot.deleteMissing: the topics' end offsets before the snapshot's first run published (E0). */
  readonly deleteMarks?: Readonly<Record<string, readonly string[]>>;
  /** Exactly-once: which run of the snapshot read which rows (JSON of snapshot/replay-spec.ts). */
  readonly replay?: Readonly<Record<string, unknown>>;
}

export interface SlotRecord {
  readonly name: string;
  readonly plugin: string;
  /** `creating`: CREATE_REPLICATION_SLOT was about to be sent and its answer not yet recorded. */
  readonly status: 'creating' | 'created';
  readonly requestedAt: string;
  /** The slot's consistent point as returned by CREATE_REPLICATION_SLOT (created only). */
  readonly consistentPoint?: string;
  readonly createdAt?: string;
  /** Highest LSN walcast confirmed (or is about to confirm) to this slot. */
  readonly confirmedLsn?: string;
  /** How walcast came to know the slot: it created it, or adopted one from an older state. */
  readonly origin?: 'created' | 'adopted';
}

export interface ConnectorState {
  readonly version: 2;
  readonly slot: SlotRecord | null;
  readonly snapshot: SnapshotRecord | null;
}

export const EMPTY_STATE: ConnectorState = Object.freeze({ version: 2, slot: null, snapshot: null });

/**
 * Where the state lives. The file store serves the stdout sink and is the explicit option;
 * stores beside the data (a compacted Kafka topic, a JetStream key-value bucket) implement the
 * same interface.
 */
export interface StateStore {
  /** Names the place in messages: "state file /x/shop.state.json", "Kafka topic ... key ...". */
  readonly location: string;
  read(): Promise<ConnectorState | null>;
  /** Durable when it resolves. */
  write(state: ConnectorState): Promise<void>;
  /** Removes the state (an attempt that created nothing durable leaves nothing behind). */
  clear(): Promise<void>;
}

/** Reads, applies `change` and writes the result; returns it. */
export async function updateState(store: StateStore, change: (state: ConnectorState) => ConnectorState): Promise<ConnectorState> {
  const next = change((await store.read()) ?? EMPTY_STATE);
  await store.write(next);
  return next;
}

/** Parses a stored state document (version 1 is read as version 2 with an unknown slot identity). */
export function parseState(text: string, location: string): ConnectorState {
  try {
    const parsed = JSON.parse(text) as { version?: unknown; snapshot?: SnapshotRecord | null; slot?: SlotRecord | null };
    if (parsed.version === 1) return { version: 2, slot: null, snapshot: parsed.snapshot ?? null };
    if (parsed.version !== 2) throw new Error(`unknown state version ${String(parsed.version)}`);
    return { version: 2, slot: parsed.slot ?? null, snapshot: parsed.snapshot ?? null };
  } catch (e) {
    throw new ConnectorError('STATE', `${location} is not valid: ${(e as Error).message}; move it away to start over`, { cause: e });
  }
}

export class FileStateStore implements StateStore {
  readonly file: string;
  readonly location: string;

  constructor(private readonly dir: string, name: string) {
    this.file = join(dir, `${name}.state.json`);
    this.location = `state file ${this.file}`;
  }

  async read(): Promise<ConnectorState | null> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ConnectorError('STATE', `cannot read ${this.location}`, { cause: e });
    }
    return parseState(text, this.location);
  }

  async write(state: ConnectorState): Promise<void> {
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
      this.syncDir();
    } catch (e) {
      throw new ConnectorError('STATE', `cannot write ${this.location}`, { cause: e });
    }
  }

  async clear(): Promise<void> {
    try {
      unlinkSync(this.file);
      this.syncDir();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new ConnectorError('STATE', `cannot remove ${this.location}`, { cause: e });
    }
  }

  private syncDir(): void {
    const dirFd = openSync(this.dir, 'r');
    try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
  }
}

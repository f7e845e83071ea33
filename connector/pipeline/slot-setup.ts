/**
 * The slot side of an attempt: act on the snapshot decision (drop a leftover or bad slot,
 * create a new one with its intent recorded first, or keep ours), keep the slot identity in the
 * state store, and undo what an attempt created when it fails before streaming began.
 */
import type { Client } from 'pg';
import { ConnectorError, fromPgError } from '../errors';
import type { Logger } from '../observe/logger';
import { type ConnectorState, EMPTY_STATE, type StateStore, updateState } from '../offsets/state-store';
import { formatLsn, Lsn } from '../protocol/lsn';
import type { ReplicationConnection } from '../source/replication-connection';
import { createSlot, dropSlotForcibly } from '../source/slot';
import { quoteIdent } from '../source/sql';
import type { SlotVerdict } from './slot-verdict';

export interface SlotStart {
  /** Where streaming starts. */
  readonly startLsn: Lsn;
  /** Exported snapshot of a slot created for a snapshot; null when the slot was kept. */
  readonly snapshotName: string | null;
  /** True when this attempt created the slot. */
  readonly created: boolean;
}

export interface SlotSetupDeps {
  readonly client: Client;
  readonly repl: ReplicationConnection;
  readonly store: StateStore;
  readonly logger: Logger;
  readonly slot: string;
  readonly plugin: string;
}

/** Drops a slot that must not be used (left by an unfinished creation, or gone bad). */
export async function dropUnusableSlot(deps: SlotSetupDeps, why: string): Promise<void> {
  await dropSlotForcibly(deps.client, deps.slot).catch((e: unknown) => {
    throw fromPgError(e, 'PG_QUERY', `cannot drop replication slot "${deps.slot}"`, { slot: deps.slot });
  });
  deps.logger.warn({ slot: deps.slot, reason: why }, `dropped replication slot "${deps.slot}": ${why}`);
}

/**
 * Creates the slot. The intent is on disk before CREATE_REPLICATION_SLOT is sent, so a kill
 * while the server waits for running transactions leaves a record that makes the next start
 * drop whatever the server finished creating; the consistent point is recorded after.
 */
export async function createRecordedSlot(deps: SlotSetupDeps, exportSnapshot: boolean): Promise<SlotStart> {
  const { store, logger, slot, plugin } = deps;
  await store.write({ version: 2, snapshot: null, slot: { name: slot, plugin, status: 'creating', requestedAt: new Date().toISOString() } });
  logger.info({ slot, exportSnapshot }, `creating replication slot "${slot}" (waits for transactions running now to finish)`);
  const created = await createSlot(deps.repl, slot, plugin, exportSnapshot);
  if (created.consistentPoint === 0n) {
    throw new ConnectorError('SLOT_INVALID', `CREATE_REPLICATION_SLOT returned consistent point 0/0 for "${slot}"`, { context: { slot } });
  }
  const point = formatLsn(created.consistentPoint);
  await updateState(store, (s) => ({
    ...s,
    slot: { name: slot, plugin, status: 'created', origin: 'created', requestedAt: s.slot?.requestedAt ?? new Date().toISOString(), createdAt: new Date().toISOString(), consistentPoint: point, confirmedLsn: point },
  }));
  logger.info({ slot, consistentPoint: point }, `created replication slot "${slot}" at ${point}`);
  return { startLsn: created.consistentPoint, snapshotName: created.snapshotName, created: true };
}

/** Uses the slot walcast owns (or adopts one without a record): streaming starts at its position. */
export async function useSlot(deps: SlotSetupDeps, verdict: Extract<SlotVerdict, { kind: 'ours' | 'adopt' }>): Promise<SlotStart> {
  const position = verdict.slot.confirmedFlushLsn;
  if (position === null || position === 0n) {
    throw new ConnectorError('SLOT_IN_USE', `replication slot "${deps.slot}" has no consistent position yet`, { context: { slot: deps.slot } });
  }
  if (verdict.kind === 'adopt') {
    const point = formatLsn(position);
    await updateState(deps.store, (s) => ({
      ...s,
      slot: { name: deps.slot, plugin: verdict.slot.plugin, status: 'created', origin: 'adopted', requestedAt: new Date().toISOString(), consistentPoint: point, confirmedLsn: point },
    }));
    deps.logger.info({ slot: deps.slot, position: point }, `adopted existing replication slot "${deps.slot}" at ${point}`);
  }
  return { startLsn: position, snapshotName: null, created: false };
}

/**
 * The state's one writer while streaming (one owner per slot): it reads the state once, then
 * writes updated copies, one change at a time, each on top of the last one written. The
 * confirmation recorder and the fresh-read filter's truncate marks both write through it, so
 * neither overwrites the other with an older copy.
 */
export class StreamingState {
  private known: ConnectorState | null = null;
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly store: StateStore, private readonly slot: string) {}

  /** The newest state (read from the store once, then the last one written). */
  async read(): Promise<ConnectorState> {
    this.known ??= (await this.store.read()) ?? EMPTY_STATE;
    return this.known;
  }

  /** Applies `change` to the newest state and writes it (in call order); resolves once durable. */
  update(change: (state: ConnectorState) => ConnectorState): Promise<void> {
    const run = this.last.then(async () => {
      const s = await this.read();
      const next = change(s);
      if (next !== s) await this.store.write(next);
      this.known = next;
    });
    this.last = run.catch(() => undefined);
    return run;
  }

  /**
   * Records `lsn` as confirmed before the session sends that confirmation: the highest confirmed
   * position is stored before PostgreSQL can hold it, so a slot whose position lies beyond it was
   * not moved by walcast.
   */
  confirm(lsn: Lsn): Promise<void> {
    return this.update((s) => {
      if (s.slot?.name !== this.slot || s.slot.status !== 'created') {
        throw new ConnectorError('STATE', `${this.store.location} no longer records slot "${this.slot}"; refusing to confirm`, { context: { slot: this.slot } });
      }
      return { ...s, slot: { ...s.slot, confirmedLsn: formatLsn(lsn) } };
    });
  }
}

/**
 * Undoes what a failed attempt created before it began streaming: the slot (unless snapshot
 * rows were already published from it: it then carries the deletes for those rows, and the
 * recorded in-progress snapshot is redone on it) and the publication it created. Best effort:
 * what cannot be undone now (server gone) is recognised by the next start from the state.
 */
export async function undoAttempt(
  deps: SlotSetupDeps,
  what: { readonly slotCreated: boolean; readonly snapshotPublished: boolean; readonly publicationCreated: string | null; readonly stateBefore: ConnectorState | null },
): Promise<void> {
  const { logger, slot } = deps;
  const dropSlotToo = what.slotCreated && !what.snapshotPublished;
  try {
    if (dropSlotToo) {
      await dropSlotForcibly(deps.client, slot);
      if (what.stateBefore) await deps.store.write(what.stateBefore);
      else await deps.store.clear();
      logger.info({ slot }, `dropped replication slot "${slot}" created by the failed attempt`);
    }
    if (what.publicationCreated !== null && (dropSlotToo || !what.slotCreated)) {
      await deps.client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(what.publicationCreated)}`);
      logger.info({ publication: what.publicationCreated }, `dropped publication "${what.publicationCreated}" created by the failed attempt`);
    }
  } catch (e) {
    logger.warn({ err: e, slot }, 'could not undo everything the failed attempt created; the next start cleans up from the state');
  }
}

/**
 * Debezium's `source.snapshot` markers for chunked, parallel reading (pure).
 *
 * Debezium (RelationalSnapshotChangeEventSource.setSnapshotMarker) gives, in this precedence:
 * 'last' to the last record of the last table, 'first' to the first record of the first table,
 * 'last_in_data_collection' / 'first_in_data_collection' to a table's last / first record, and
 * 'true' to every other one. Whether a record is a table's last is only known when the next one
 * of that table arrives or the table is done, so each table holds back one record (lookahead).
 * A finished table's last record is held once more, globally, until another table finishes or the
 * snapshot ends: tables finish in any order and the table finishing last may be empty, so only
 * finish() can tell which record is the very last.
 * Result: with n >= 2 records exactly one 'first' and one 'last'; a single record is 'last'.
 */
import type { SnapshotMarker } from '../envelope/builder';

/** A table's held record; reused for the table's next row once released (no allocation per row). */
interface Held<T> {
  item: T;
  firstInTable: boolean;
}

export class SnapshotMarkers<T> {
  private readonly held = new Map<number, Held<T>>();
  private readonly started = new Set<number>();
  private lastDone: Held<T> | null = null;
  private released = 0;

  constructor(private readonly emit: (item: T, marker: SnapshotMarker) => void) {}

  /** A row of table `table`; releases that table's previously held row. */
  row(table: number, item: T): void {
    const prev = this.held.get(table);
    if (prev) {
      this.release(prev, false, false);
      prev.item = item;
      prev.firstInTable = false;
      return;
    }
    const firstInTable = !this.started.has(table);
    if (firstInTable) this.started.add(table);
    this.held.set(table, { item, firstInTable });
  }

  /** Every row of `table` was passed to row(). */
  tableDone(table: number): void {
    const last = this.held.get(table);
    if (!last) return;
    this.held.delete(table);
    if (this.lastDone) this.release(this.lastDone, true, false);
    this.lastDone = last;
  }

  /** Every table is done: releases the very last record. */
  finish(): void {
    for (const table of [...this.held.keys()]) this.tableDone(table);
    if (this.lastDone) this.release(this.lastDone, true, true);
    this.lastDone = null;
  }

  /** Records released so far. */
  get count(): number {
    return this.released;
  }

  private release(h: Held<T>, lastInTable: boolean, lastOverall: boolean): void {
    let marker: SnapshotMarker;
    if (lastOverall) marker = 'last';
    else if (this.released === 0) marker = 'first';
    else if (lastInTable) marker = 'last_in_data_collection';
    else if (h.firstInTable) marker = 'first_in_data_collection';
    else marker = 'true';
    this.released++;
    this.emit(h.item, marker);
  }
}

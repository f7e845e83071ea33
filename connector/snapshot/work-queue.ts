/**
 * The readers' shared work: first a 'plan' task per table (largest first), whose chunks are put
 * at the front of the queue so idle readers join the table being planned; a table is complete
 * when it was planned and all its chunks were read. next() waits while the queue is empty but a
 * plan in progress may still add chunks, and returns null when everything was handed out.
 */
import type { Chunk } from './chunks';

export type Task = { readonly kind: 'plan'; readonly table: number } | { readonly kind: 'chunk'; readonly chunk: Chunk };

export class WorkQueue {
  private readonly tasks: Task[];
  private planning = 0;
  private waiters: Array<(t: Task | null) => void> = [];
  /** Chunks not yet finished per table; absent until the table was planned. */
  private readonly open = new Map<number, number>();
  private closed = false;

  constructor(tablesLargestFirst: readonly number[]) {
    this.tasks = tablesLargestFirst.map((table) => ({ kind: 'plan', table }));
  }

  next(): Promise<Task | null> {
    if (this.closed) return Promise.resolve(null);
    const task = this.tasks.shift();
    if (task) {
      if (task.kind === 'plan') this.planning++;
      return Promise.resolve(task);
    }
    if (this.planning === 0) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The plan task of `table` produced these chunks. */
  planned(table: number, chunks: readonly Chunk[]): void {
    this.planning--;
    this.open.set(table, chunks.length);
    this.tasks.unshift(...chunks.map((chunk): Task => ({ kind: 'chunk', chunk })));
    this.dispatch();
  }

  /** A chunk was read completely; returns true when it was its table's last. */
  chunkDone(chunk: Chunk): boolean {
    const left = (this.open.get(chunk.table) ?? 0) - 1;
    this.open.set(chunk.table, left);
    return left === 0;
  }

  /** Stops handing out work (after a failure); waiting readers get null. */
  close(): void {
    this.closed = true;
    this.tasks.length = 0;
    this.dispatch();
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      if (this.closed) { this.waiters.shift()!(null); continue; }
      const task = this.tasks.shift();
      if (!task) {
        if (this.planning > 0) return;
        this.waiters.shift()!(null);
        continue;
      }
      if (task.kind === 'plan') this.planning++;
      this.waiters.shift()!(task);
    }
  }
}

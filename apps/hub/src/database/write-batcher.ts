import type { Database, Statement } from 'better-sqlite3';

/** Writes of one event-loop turn, committed in one transaction; `done` settles when that transaction has. */
interface Batch {
  writes: Array<[Statement, unknown[]]>;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes queued during one event-loop turn are committed together in one transaction,
 * and each write's promise resolves only after that COMMIT, so "acknowledged" still means "durable".
 *
 * The connection is shared with TypeORM, so no transaction is held across turns (TypeORM's BEGIN would
 * fail inside it): a batch runs BEGIN..COMMIT synchronously, after any TypeORM transaction has ended.
 */
export class WriteBatcher {
  readonly #db: Database;
  readonly #commit: (writes: Batch['writes']) => void;
  readonly #onFailure: (error: unknown) => void;
  #batch: Batch | undefined;
  #closed = false;

  /** `onFailure` runs after a batch rolled back (its writes' promises are rejected too). */
  constructor(db: Database, onFailure: (error: unknown) => void = () => {}) {
    this.#db = db;
    this.#onFailure = onFailure;
    this.#commit = db.transaction((writes: Batch['writes']) => {
      for (const [statement, params] of writes) statement.run(...params);
    });
  }

  /** Queues a write in this turn's batch; the promise settles with the batch's COMMIT. */
  write(statement: Statement, ...params: unknown[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('write batcher closed'));
    let batch = this.#batch;
    if (batch === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = this.#batch = { writes: [], done, resolve, reject };
      setImmediate(this.#flush);
    }
    batch.writes.push([statement, params]);
    return batch.done;
  }

  /** Commits what is pending now rather than at the end of the turn (a read that must see it follows). */
  commitNow(): void {
    this.#flush();
  }

  /** Commits what is pending, then refuses further writes. */
  async close(): Promise<void> {
    this.#closed = true;
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#flush();
    await batch.done;
  }

  readonly #flush = (): void => {
    const batch = this.#batch;
    if (batch === undefined) return;
    // Our statements would become part of a transaction someone else (TypeORM) has open: wait for its end.
    if (this.#db.inTransaction) {
      setTimeout(this.#flush, 1);
      return;
    }
    this.#batch = undefined;
    try {
      this.#commit(batch.writes);
    } catch (error) {
      batch.reject(error);
      this.#onFailure(error);
      return;
    }
    batch.resolve();
  };
}

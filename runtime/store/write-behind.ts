// Batches small SQLite writes into one transaction per event-loop turn: the engine's hot path
// then pays for a queue push, not for a disk write per event. A failed transaction never throws
// out of the timer: its writes go back to their sources (retried by the next commit), waiters of
// durability get StoreUnavailable, and failure listeners hear about it.
import type { Db } from './db';
import { asStoreError, StoreUnavailable } from './errors';

/** What one source (runs, cache index) has pending, taken out for one transaction. */
export interface PendingBatch {
  write(): void;
  /** Puts the batch back in front of anything newer after its transaction failed. */
  restore(): void;
}

export interface WriteSource {
  /**
   * What to write now. `all` (an explicit flush, a close) asks for everything; otherwise a source may
   * keep writes that need not be durable yet (the cache index batches its rows over a longer span).
   */
  take(all: boolean): PendingBatch | undefined;
}

/** While commits fail, what is kept is retried this often without waiting for the next write. */
const RETRY_MS = 5_000;

/**
 * The longest a commit waits for a burst to pass (see holdWhile). A run's create, record and events
 * then land in one commit instead of four or five rows over several: in bench/engine, back-to-back
 * runs spent ~20% less time committing. A crash loses at most this span of a burst's writes.
 */
export const MAX_HOLD_MS = 60;

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export class WriteBehind {
  private readonly sources: WriteSource[] = [];
  private readonly failureListeners = new Set<(error: StoreUnavailable) => void>();
  private scheduled = false;
  private waiters: Waiter[] = [];
  private lastFailure?: StoreUnavailable;
  private retry?: NodeJS.Timeout;
  private readonly holds = new Set<() => boolean>();
  /** When the pending commit was first held back, while it is. */
  private heldSince?: number;

  constructor(private readonly db: Db) {}

  addSource(source: WriteSource): void {
    this.sources.push(source);
  }

  /**
   * While `busy` says a burst of writes is under way (runs queued to start), the turn's commit waits,
   * at most MAX_HOLD_MS: fewer, fuller commits. An explicit flush and a close never wait.
   */
  holdWhile(busy: () => boolean): () => void {
    this.holds.add(busy);
    return () => this.holds.delete(busy);
  }

  /** Called by a source when it has something new to write. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.commit(false));
  }

  /** The failure of the latest commit, undefined when it succeeded. */
  get failure(): StoreUnavailable | undefined {
    return this.lastFailure;
  }

  onFailure(listener: (error: StoreUnavailable) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Commits everything pending now; throws StoreUnavailable when the transaction fails. */
  flush(): void {
    const failure = this.commit(true);
    if (failure) throw failure;
  }

  /** Resolves once everything pushed so far is committed; rejects with StoreUnavailable when that fails. */
  flushed(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  private commit(all: boolean): StoreUnavailable | undefined {
    if (!all && this.held()) {
      setImmediate(() => this.commit(false));
      return undefined;
    }
    this.heldSince = undefined;
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    if (!this.db.open) {
      const closed = new StoreUnavailable('the database is closed');
      for (const waiter of waiters) waiter.reject(closed);
      return closed;
    }
    const batches: PendingBatch[] = [];
    for (const source of this.sources) {
      const batch = source.take(all);
      if (batch) batches.push(batch);
    }
    try {
      if (batches.length) {
        this.db.transaction(() => {
          for (const batch of batches) batch.write();
        })();
      }
    } catch (error) {
      const wrapped = asStoreError(error);
      // A full or read-only disk heals: keep the writes for the next commit. Anything else (a bug in
      // what was queued) would fail again forever, so that batch is dropped, and said so.
      const healable = wrapped instanceof StoreUnavailable;
      if (healable) for (let i = batches.length - 1; i >= 0; i--) batches[i].restore();
      const failure = healable ? wrapped : new StoreUnavailable(`a write batch failed and was dropped: ${(error as Error).message}`, error);
      this.lastFailure = failure;
      if (healable && !this.retry) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.commit(false);
        }, RETRY_MS);
        this.retry.unref();
      }
      for (const waiter of waiters) waiter.reject(failure);
      for (const listener of this.failureListeners) {
        try {
          listener(failure);
        } catch {
          // a listener's own failure must not stop the others or escape the timer
        }
      }
      return failure;
    }
    this.lastFailure = undefined;
    for (const waiter of waiters) waiter.resolve();
    return undefined;
  }

  /** True while a burst holds the commit back and it has waited less than MAX_HOLD_MS. */
  private held(): boolean {
    if (this.holds.size === 0 || !this.db.open) return false;
    let busy = false;
    for (const hold of this.holds) busy ||= hold();
    if (!busy) return false;
    const now = performance.now();
    this.heldSince ??= now;
    return now - this.heldSince < MAX_HOLD_MS;
  }
}

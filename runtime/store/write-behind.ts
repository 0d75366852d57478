// Batches small SQLite writes into one transaction per event-loop turn: the engine's hot path
// then pays for a queue push, not for a disk write per event. The transaction runs on the writer
// thread when the store has one (writer-thread.ts), else on the main connection; one batch is in
// flight at a time and sources keep what is in flight readable until it is committed. A failed
// transaction never throws out of a timer: its writes go back to their sources (retried by the next
// commit), waiters of durability get StoreUnavailable, and failure listeners hear about it.
import type { Db } from './db';
import { asStoreError, StoreUnavailable } from './errors';
import { BufferPool, SharedValues } from './shared-values';
import { EncodedWrites, StatementNames, StatementRunner, type SqlWrites } from './sql-writes';
import { WriterThread, type WriterAnswer } from './writer-thread';

/** What one source (runs, cache index) has pending, taken out for one transaction. */
export interface PendingBatch {
  /** Records the batch's rows (statement text and parameters); run on whichever connection commits. */
  write(out: SqlWrites): void;
  /** Puts the batch back in front of anything newer after its transaction failed. */
  restore(): void;
  /** The transaction holding the batch committed: what it wrote is in the database from now on. */
  committed?(): void;
  /**
   * Rows no flush waiter needs (cache rows): on the writer thread they are committed after the
   * durable rows, in a transaction of their own, once no durable batch is waiting.
   */
  deferred?: boolean;
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
 * The longest a commit on the main connection waits for a burst to pass (see holdWhile). A run's
 * create, record and events then land in one commit instead of four or five rows over several: in
 * bench/engine, back-to-back runs spent ~20% less time committing. A crash loses at most this span
 * of a burst's writes. Commits on the writer thread do not wait: there the wait only kept a burst's
 * rows alive longer (copied by every scavenge) and made its last runs wait for a fuller commit
 * (back-to-back runs ~6-8% faster without it, the burst's end 7-10 ms after its last run instead of ~30).
 */
export const MAX_HOLD_MS = 60;

/**
 * Smaller batches commit on the main connection (nothing is in flight then): a run started alone
 * (a click in the editor, a CLI run) is durable without a round trip to the writer thread, which
 * cost one-after-another runs in bench/engine ~30% of their rate. A burst's batches are larger.
 */
const THREAD_MIN_STATEMENTS = 64;

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export interface WriteBehindOptions {
  /** Commit on a writer thread with its own connection to this file (the main connection's settings given as pragmas). */
  thread?: { file: string; pragmas: string[] };
  log?: (message: string) => void;
}

interface InFlight {
  id: number;
  batches: PendingBatch[];
  waiters: Waiter[];
  /** Settings only (pragma()): its answer concerns no write. */
  settings?: { error?: Error };
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
  private readonly names = new StatementNames();
  private readonly runner: StatementRunner;
  private readonly buffers = new BufferPool();
  private writer?: WriterThread;
  /** The batch the writer thread is committing. */
  private inFlight?: InFlight;
  /** Deferred parts sent to the writer thread and not yet answered, by batch id. */
  private readonly deferredInFlight = new Map<number, PendingBatch[]>();
  /** A commit came due while a batch was in flight: it runs when that one is answered. */
  private commitAfterInFlight = false;
  private readonly log: (message: string) => void;
  /** Settings applied with pragma(), and how many of them the writer thread has been sent. */
  private readonly pragmas: string[] = [];
  private pragmasSent = 0;

  constructor(
    private readonly db: Db,
    options: WriteBehindOptions = {},
  ) {
    this.runner = new StatementRunner(db, this.names);
    this.log = options.log ?? (() => {});
    if (options.thread) this.writer = this.startWriter(options.thread);
  }

  addSource(source: WriteSource): void {
    this.sources.push(source);
  }

  /**
   * While `busy` says a burst of writes is under way (runs queued to start), the turn's commit on the
   * main connection waits, at most MAX_HOLD_MS: fewer, fuller commits. An explicit flush and a close
   * never wait, nor do commits on the writer thread.
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

  /** Whether commits run on the writer thread now (false before it is ready and after it is lost). */
  get threaded(): boolean {
    return this.writer?.ready ?? false;
  }

  onFailure(listener: (error: StoreUnavailable) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Commits everything pending now, waiting for the writer thread; throws StoreUnavailable when the transaction fails. */
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

  /**
   * Applies a PRAGMA to every connection that commits (the main one, the writer thread's): settings
   * such as max_page_count are per connection.
   */
  pragma(text: string): void {
    this.db.pragma(text);
    this.pragmas.push(text);
    const writer = this.writer?.ready ? this.writer : undefined;
    if (!writer) return; // a thread still starting gets it with its first batch
    this.settleInFlight();
    const id = writer.post(this.names.texts, this.buffers.take(), 0, 0, [], this.unsentPragmas());
    const settings: { error?: Error } = {};
    this.inFlight = { id, batches: [], waiters: [], settings };
    writer.waitFor(id);
    if (settings.error) throw settings.error;
  }

  private unsentPragmas(): string[] {
    const unsent = this.pragmas.slice(this.pragmasSent);
    this.pragmasSent = this.pragmas.length;
    return unsent;
  }

  /** Stops the writer thread, once what it has in flight is answered (bounded); later commits run on the main connection. */
  stop(): void {
    this.settleInFlight();
    const writer = this.writer;
    this.writer = undefined;
    writer?.stop();
    const flight = this.inFlight;
    this.inFlight = undefined;
    this.deferredInFlight.clear();
    if (flight) for (const waiter of flight.waiters) waiter.reject(new StoreUnavailable('the store was closed before this write was committed'));
  }

  private commit(all: boolean): StoreUnavailable | undefined {
    if (!all && this.held()) {
      setImmediate(() => this.commit(false));
      return undefined;
    }
    if (this.inFlight && !all) {
      this.scheduled = false;
      this.commitAfterInFlight = true;
      return undefined;
    }
    if (all) this.settleInFlight();
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
    const durable = batches.filter((batch) => !batch.deferred);
    const deferred = batches.filter((batch) => batch.deferred);
    // Durable rows first, then the deferred ones: the thread commits them apart.
    const out = new EncodedWrites(this.names, new SharedValues(this.buffers.take()));
    let durableEnd: number;
    try {
      for (const batch of durable) batch.write(out);
      durableEnd = out.values.length;
      for (const batch of deferred) batch.write(out);
    } catch (error) {
      this.buffers.give(out.values.buffer);
      return this.failed(batches, waiters, error); // e.g. a value no parameter can take
    }
    // While deferred rows are being committed there, a small batch goes to the thread too: on the main
    // connection it would wait for the thread's write lock, holding the event loop.
    const large = out.statements >= THREAD_MIN_STATEMENTS || this.deferredInFlight.size > 0;
    const writer = this.writer?.ready && large ? this.writer : undefined;
    if (writer) {
      const id = writer.post(this.names.texts, out.values.buffer, durableEnd, out.values.length, out.values.shared, this.unsentPragmas());
      this.inFlight = { id, batches: durable, waiters };
      // The thread answers a deferred part only when it has statements: one that wrote none has nothing to wait for.
      const deferredWritten = out.values.length > durableEnd;
      if (deferredWritten) this.deferredInFlight.set(id, deferred);
      else for (const batch of deferred) batch.committed?.();
      if (!all) return undefined;
      // Lost while waiting: its batch went back to the sources, and this commit runs on the main connection.
      if (!writer.waitFor(id)) return this.commit(true);
      const failure = this.lastFailure;
      if (deferredWritten && !writer.waitFor(id, 'deferred')) return this.commit(true);
      return failure ?? this.lastFailure;
    }
    try {
      if (out.statements) this.runner.commit(out.values, 0, out.values.length);
    } catch (error) {
      return this.failed(batches, waiters, error);
    } finally {
      this.buffers.give(out.values.buffer);
    }
    this.succeeded(batches, waiters);
    return undefined;
  }

  /** Blocks until the batch in flight and every deferred part sent are answered, or the writer is lost and what it had is back with its sources. */
  private settleInFlight(): void {
    if (this.inFlight) this.writer?.waitFor(this.inFlight.id);
    if (this.deferredInFlight.size === 0) return;
    const last = Math.max(...this.deferredInFlight.keys());
    this.writer?.waitFor(last, 'deferred');
  }


  private answered(answer: WriterAnswer): void {
    if (answer.lazy) {
      const batches = this.deferredInFlight.get(answer.id);
      if (!batches) return;
      this.deferredInFlight.delete(answer.id);
      if (answer.error) this.failed(batches, [], answerError(answer.error));
      else this.succeeded(batches, []);
      return;
    }
    const flight = this.inFlight;
    if (!flight || flight.id !== answer.id) return;
    this.inFlight = undefined;
    if (flight.settings) {
      if (answer.error) flight.settings.error = answerError(answer.error);
    } else if (answer.error) this.failed(flight.batches, flight.waiters, answerError(answer.error));
    else this.succeeded(flight.batches, flight.waiters);
    if (this.commitAfterInFlight) {
      this.commitAfterInFlight = false;
      this.schedule();
    }
  }

  private succeeded(batches: PendingBatch[], waiters: Waiter[]): void {
    for (const batch of batches) batch.committed?.();
    this.lastFailure = undefined;
    for (const waiter of waiters) waiter.resolve();
  }

  private failed(batches: PendingBatch[], waiters: Waiter[], error: unknown): StoreUnavailable {
    const wrapped = asStoreError(error);
    // A full or read-only disk heals: keep the writes for the next commit. Anything else (a bug in
    // what was queued) would fail again forever, so that batch is dropped, and said so.
    const healable = wrapped instanceof StoreUnavailable;
    if (healable) for (let i = batches.length - 1; i >= 0; i--) batches[i].restore();
    else for (const batch of batches) batch.committed?.(); // dropped: no longer in flight either
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

  private startWriter(thread: { file: string; pragmas: string[] }): WriterThread | undefined {
    try {
      return new WriterThread({
        ...thread,
        onAnswer: (answer) => this.answered(answer),
        onBufferDone: (buffer) => this.buffers.give(buffer),
        onLost: (why) => this.writerLost(why),
        onNote: (note) => this.log(note),
      });
    } catch (error) {
      this.log(`the SQLite writer thread did not start (commits run on the main thread): ${(error as Error).message}`);
      return undefined;
    }
  }

  /** The thread is gone: what it had in flight goes back to its sources and is committed here. */
  private writerLost(why: string): void {
    if (!this.writer) return;
    this.writer = undefined;
    this.log(`the SQLite writer thread stopped (commits run on the main thread from now on): ${why}`);
    // Newest first: each restore puts what it holds in front of what is newer.
    for (const id of [...this.deferredInFlight.keys()].sort((a, b) => b - a)) {
      const batches = this.deferredInFlight.get(id)!;
      for (let i = batches.length - 1; i >= 0; i--) batches[i].restore();
    }
    this.deferredInFlight.clear();
    const flight = this.inFlight;
    if (!flight) return;
    this.inFlight = undefined;
    for (let i = flight.batches.length - 1; i >= 0; i--) flight.batches[i].restore();
    this.waiters = flight.waiters.concat(this.waiters);
    this.schedule();
  }

  /** True while a burst holds a commit on the main connection back and it has waited less than MAX_HOLD_MS. */
  private held(): boolean {
    if (this.holds.size === 0 || !this.db.open || this.threaded) return false;
    let busy = false;
    for (const hold of this.holds) busy ||= hold();
    if (!busy) return false;
    const now = performance.now();
    this.heldSince ??= now;
    return now - this.heldSince < MAX_HOLD_MS;
  }
}

/** The writer thread's error as an Error with its SQLite code (so asStoreError recognises a full disk). */
function answerError(error: { message: string; code?: string }): Error {
  return Object.assign(new Error(error.message), { code: error.code });
}

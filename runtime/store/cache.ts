// Cache index: cache key → node outputs (artifact handles and plain values), persisted in SQLite
// so an unchanged flow re-runs nothing, also after a restart. One row per key (upsert); the
// in-memory part holds a bounded number of recently used results. A Bloom filter of the stored keys answers
// most misses without SQLite; rows another connection adds are read into it (PRAGMA data_version).
import { CACHE_KEY_INDEXED, cacheKeyIndexed, type Db } from './db';
import { KeyFilter } from './key-filter';
import { inKeyPrefixOrder } from './key-order';
import type { PendingBatch, WriteBehind } from './write-behind';

export interface CachedResult {
  outputs: Record<string, unknown>;
  meta?: Record<string, unknown>;
}

export const DEFAULT_CACHE_MEMORY_ENTRIES = 20_000;

/**
 * Cache rows are written at most this often (or once this many are pending), not with every run's
 * commit: keys are random, so each row dirties its own index page, and a run's commit waits for its
 * pages. Rows are kept in memory until then (get sees them) and written by every flush and close; a
 * crash loses at most this span of cache rows (those nodes run again), never a run's state or events.
 * A batch dirties nearly every leaf of the key index once the index has more rows than a batch, so
 * the longer the span, the fewer pages per row: at 1 s a 10-node run commits ~8% fewer WAL frames
 * than at 200 ms, a 1000-node run and its cached re-run ~20% fewer.
 */
const CACHE_WRITE_INTERVAL_MS = 1_000;
const CACHE_WRITE_MAX_PENDING = 20_000;
/** How often a miss asks SQLite whether another connection wrote (PRAGMA data_version). */
const FOREIGN_CHECK_MS = 10;

/**
 * REPLACE, not ON CONFLICT … DO UPDATE: most rows are new keys, and for them it skips the upsert's
 * conflict handling (measured: 3.7 → 3.4 µs a row into 500,000). A key written again gets a new row
 * id, which other connections then read as a new key (readForeignRows): at worst a filter bit set twice.
 */
const UPSERT = 'INSERT OR REPLACE INTO cache (key, node_type, outputs_json, meta_json, created_at) VALUES (?, ?, ?, ?, ?)';

/** A result in memory; `unwritten` until the batch holding its row is committed. */
interface CacheEntry {
  readonly key: string;
  readonly nodeType: string;
  readonly result: CachedResult;
  unwritten: boolean;
  /** The generation it was set into: kept (retired) until this entry is written. */
  readonly generation: Generation;
}

class Generation {
  readonly entries = new Map<string, CacheEntry>();
  /** Entries set into this generation and not yet written. */
  unwritten = 0;
}

export class CacheIndex {
  /**
   * Recently used results, so hot keys skip SQLite and JSON.parse, in two generations: results are
   * kept in `young`; when it is full it becomes `old` (the previous old is dropped whole) and a hit
   * in `old` moves back to `young`. So every result used within the last memoryEntries / 2 keeps is
   * in memory, and keeping one costs one Map.set: no per-entry eviction, no Map full of deleted slots.
   * A result not yet written is found here too: a generation dropped while it holds one is `retired`
   * (still read, not counted) until its last one is written. A second Map of pending rows cost
   * ~1.1 µs a node (measured: sets into a Map growing to 20,000 keys), more than the rest of the cache.
   */
  private young = new Generation();
  private old = new Generation();
  private retired: Generation[] = [];
  /** Results set since the last batch was taken, in order (a key set twice is written twice: the later row wins). */
  private pending: CacheEntry[] = [];
  /** Batches the writer thread is committing (until its committed() or restore()). */
  private batchesInFlight = 0;
  private readonly selectByKey;
  private readonly db: Db;
  private readonly selectDataVersion;
  private readonly selectMaxId;
  /** Built at the first lookup or write, not at open: reading every stored key would hold up a server's start. */
  private keyFilter?: KeyFilter;
  /** The highest row id read into the filter, and the data_version it was read at. */
  private maxId = 0;
  private dataVersion = 0;
  private versionCheckedAt = 0;
  private lastWrite = performance.now();
  private writeTimer?: NodeJS.Timeout;

  constructor(
    db: Db,
    private readonly writes: WriteBehind,
    readonly memoryEntries = DEFAULT_CACHE_MEMORY_ENTRIES,
  ) {
    if (!Number.isInteger(memoryEntries) || memoryEntries < 1) throw new Error(`the cache's memory size must be a positive integer, got ${memoryEntries}`);
    this.selectByKey = db.prepare<[{ key: string }], { outputs_json: string; meta_json: string | null }>(
      `SELECT outputs_json, meta_json FROM cache WHERE ${CACHE_KEY_INDEXED} = ${cacheKeyIndexed('@key')} AND key = @key`,
    );
    writes.addSource({ take: (all) => this.take(all) });
    this.db = db;
    this.selectDataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.selectMaxId = db.prepare<[], number | null>('SELECT MAX(id) FROM cache').pluck();
  }

  /** A Bloom filter of every stored key (and every key set since), read from SQLite on first use. */
  private get filter(): KeyFilter {
    if (!this.keyFilter) {
      this.dataVersion = this.readDataVersion();
      const stored = (this.db.prepare('SELECT COUNT(*) AS n FROM cache').get() as { n: number }).n;
      this.keyFilter = new KeyFilter(KeyFilter.bitsFor(stored));
      this.readKeys(0);
    }
    return this.keyFilter;
  }

  get(key: string): CachedResult | undefined {
    // Every key in memory, pending or stored is in the filter: a fresh key (most lookups of a new
    // run) is answered by one probe instead of a miss in each Map.
    if (!this.filter.mightHave(key)) {
      if (!this.readForeignRows() || !this.filter.mightHave(key)) return undefined;
    }
    const hit = this.young.entries.get(key);
    if (hit) return hit.result;
    const older = this.old.entries.get(key);
    if (older) {
      this.remember(older);
      return older.result;
    }
    for (let i = this.retired.length - 1; i >= 0; i--) {
      const unwritten = this.retired[i].entries.get(key);
      if (unwritten) return unwritten.result;
    }
    const row = this.selectByKey.get({ key });
    if (!row) return undefined;
    const result: CachedResult = { outputs: JSON.parse(row.outputs_json) };
    if (row.meta_json) result.meta = JSON.parse(row.meta_json);
    this.remember({ key, nodeType: '', result, unwritten: false, generation: this.young });
    return result;
  }

  set(key: string, nodeType: string, result: CachedResult): void {
    this.rotateFor(key);
    const entry: CacheEntry = { key, nodeType, result, unwritten: true, generation: this.young };
    this.young.entries.set(key, entry);
    this.young.unwritten++;
    // Serialised when the batch is written, off the engine's hot path; results are not mutated.
    this.pending.push(entry);
    this.filter.add(key);
    this.writes.schedule();
  }

  /** How many results are held in memory (bounded by memoryEntries), besides dropped ones not yet written. */
  get memorySize(): number {
    return this.young.entries.size + this.old.entries.size;
  }

  flush(): void {
    this.writes.flush();
  }

  /** Forgets the in-memory results (gc removed rows under them), except those not yet written. */
  forgetMemory(): void {
    for (const generation of [this.young, this.old, ...this.retired]) {
      for (const [key, entry] of generation.entries) if (!entry.unwritten) generation.entries.delete(key);
    }
    this.retired = [this.young, this.old, ...this.retired].filter((generation) => generation.unwritten > 0);
    this.young = new Generation();
    this.old = new Generation();
  }

  private take(all: boolean): PendingBatch | undefined {
    if (this.pending.length === 0) return undefined;
    const wait = CACHE_WRITE_INTERVAL_MS - (performance.now() - this.lastWrite);
    if (!all && wait > 0 && this.pending.length < CACHE_WRITE_MAX_PENDING) {
      this.writeTimer ??= setTimeout(() => {
        this.writeTimer = undefined;
        this.writes.schedule();
      }, wait);
      return undefined;
    }
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    this.lastWrite = performance.now();
    const taken = this.pending;
    this.pending = [];
    this.batchesInFlight++;
    let ended = false;
    const settled = () => {
      if (!ended) this.batchesInFlight--;
      ended = true;
    };
    return {
      deferred: true, // a run's end never waits for its cache rows
      committed: () => {
        settled();
        this.written(taken);
        this.ownRowsCommitted();
      },
      write: (out) => {
        const now = new Date().toISOString();
        for (const { key, nodeType, result } of inKeyPrefixOrder(taken)) {
          out.run(UPSERT, key, nodeType, JSON.stringify(result.outputs), result.meta ? JSON.stringify(result.meta) : null, now);
        }
      },
      restore: () => {
        settled();
        this.pending = taken.concat(this.pending); // in order: the newer row of a key wins
      },
    };
  }

  /** Adds stored keys with a row id above `afterId` to the filter. */
  private readKeys(afterId: number): void {
    const rows = this.db.prepare<[number], [number, string]>('SELECT id, key FROM cache WHERE id > ?').raw().iterate(afterId);
    for (const [id, key] of rows) {
      this.filter.add(key);
      if (id > this.maxId) this.maxId = id;
    }
  }

  /**
   * When another connection (a second process on this data dir: `atelier gc`, a tool) committed since
   * the last look, reads the keys it added. Checked at most every FOREIGN_CHECK_MS; true when it read any.
   * A row it inserted under an id below one already seen is missed: a cache miss, never a wrong hit.
   */
  private readForeignRows(): boolean {
    // While this index's own rows are being committed, a new data_version is theirs as likely as not.
    if (this.batchesInFlight) return false;
    const now = Date.now();
    if (now - this.versionCheckedAt < FOREIGN_CHECK_MS) return false;
    this.versionCheckedAt = now;
    const version = this.readDataVersion();
    if (version === this.dataVersion) return false;
    this.dataVersion = version;
    const before = this.filter.count;
    this.readKeys(this.maxId);
    return this.filter.count > before;
  }

  /**
   * This index's rows are committed on the writer thread's connection, so they change data_version as
   * another process's do; their keys are in the filter already, so they are not read back: the rows
   * up to the highest id now count as read. Rows another connection added just before are missed
   * (cache misses, never wrong hits).
   */
  private ownRowsCommitted(): void {
    if (this.keyFilter) this.maxId = Math.max(this.maxId, this.selectMaxId.get() ?? 0);
  }

  private readDataVersion(): number {
    return this.selectDataVersion.get()!;
  }

  /** Keeps a result used now in `young` (a hit in `old`, a row read from SQLite). */
  private remember(entry: CacheEntry): void {
    this.rotateFor(entry.key);
    this.young.entries.set(entry.key, entry);
  }

  /** When `young` is full and has no `key`, it becomes `old`; the old one is dropped, or retired while it holds an unwritten result. */
  private rotateFor(key: string): void {
    if (this.young.entries.size < this.generationSize || this.young.entries.has(key)) return;
    const dropped = this.memoryEntries > 1 ? this.old : this.young;
    if (this.memoryEntries > 1) this.old = this.young;
    this.young = new Generation();
    if (dropped.unwritten > 0) this.retired.push(dropped);
  }

  /** The batch's results are in SQLite: generations retired only for them are let go. */
  private written(batch: CacheEntry[]): void {
    for (const entry of batch) {
      if (!entry.unwritten) continue;
      entry.unwritten = false;
      entry.generation.unwritten--;
    }
    if (this.retired.length) this.retired = this.retired.filter((generation) => generation.unwritten > 0);
  }

  /** Two generations of this size hold at most memoryEntries results. */
  private get generationSize(): number {
    return Math.max(1, Math.floor(this.memoryEntries / 2));
  }
}

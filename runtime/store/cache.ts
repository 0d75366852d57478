// Cache index: cache key → node outputs (artifact handles and plain values), persisted in SQLite
// so an unchanged flow re-runs nothing, also after a restart. One row per key (upsert); the
// in-memory part holds a bounded number of recently used results. A Bloom filter of the stored keys answers
// most misses without SQLite; rows another connection adds are read into it (PRAGMA data_version).
import { CACHE_KEY_INDEXED, CACHE_KEY_PREFIX, type Db } from './db';
import { KeyFilter } from './key-filter';
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

const UPSERT = `INSERT INTO cache (key, node_type, outputs_json, meta_json, created_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT(${CACHE_KEY_INDEXED}) DO UPDATE SET key = excluded.key, node_type = excluded.node_type,
    outputs_json = excluded.outputs_json, meta_json = excluded.meta_json, created_at = excluded.created_at`;

interface PendingEntry {
  nodeType: string;
  result: CachedResult;
}

export class CacheIndex {
  /**
   * Recently used results, so hot keys skip SQLite and JSON.parse, in two generations: results are
   * kept in `young`; when it is full it becomes `old` (the previous old is dropped whole) and a hit
   * in `old` moves back to `young`. So every result used within the last memoryEntries / 2 keeps is
   * in memory, and keeping one costs one Map.set: no per-entry eviction, no Map full of deleted slots.
   */
  private young = new Map<string, CachedResult>();
  private old = new Map<string, CachedResult>();
  private pending = new Map<string, PendingEntry>();
  /** Rows the writer thread is committing (older first): read as pending until they are committed. */
  private inFlight: Array<Map<string, PendingEntry>> = [];
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
      `SELECT outputs_json, meta_json FROM cache WHERE ${CACHE_KEY_INDEXED} = substr(@key, 1, ${CACHE_KEY_PREFIX}) AND key = @key`,
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
    const hit = this.young.get(key);
    if (hit) return hit;
    const older = this.old.get(key);
    if (older) {
      this.remember(key, older);
      return older;
    }
    const pending = this.pending.get(key) ?? this.inFlightEntry(key);
    if (pending) return pending.result;
    const row = this.selectByKey.get({ key });
    if (!row) return undefined;
    const result: CachedResult = { outputs: JSON.parse(row.outputs_json) };
    if (row.meta_json) result.meta = JSON.parse(row.meta_json);
    this.remember(key, result);
    return result;
  }

  set(key: string, nodeType: string, result: CachedResult): void {
    this.remember(key, result);
    // Serialised when the batch is written, off the engine's hot path; results are not mutated.
    this.pending.set(key, { nodeType, result });
    this.filter.add(key);
    this.writes.schedule();
  }

  private inFlightEntry(key: string): PendingEntry | undefined {
    for (let i = this.inFlight.length - 1; i >= 0; i--) {
      const entry = this.inFlight[i].get(key);
      if (entry) return entry;
    }
    return undefined;
  }

  /** How many results are held in memory (bounded by memoryEntries). */
  get memorySize(): number {
    return this.young.size + this.old.size;
  }

  flush(): void {
    this.writes.flush();
  }

  /** Forgets the in-memory results (gc removed rows under them). */
  forgetMemory(): void {
    this.young.clear();
    this.old.clear();
  }

  private take(all: boolean): PendingBatch | undefined {
    if (this.pending.size === 0) return undefined;
    const wait = CACHE_WRITE_INTERVAL_MS - (performance.now() - this.lastWrite);
    if (!all && wait > 0 && this.pending.size < CACHE_WRITE_MAX_PENDING) {
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
    this.pending = new Map();
    this.inFlight.push(taken);
    const settled = () => {
      const at = this.inFlight.indexOf(taken);
      if (at >= 0) this.inFlight.splice(at, 1);
    };
    return {
      deferred: true, // a run's end never waits for its cache rows
      committed: () => {
        settled();
        this.ownRowsCommitted();
      },
      write: (out) => {
        const now = new Date().toISOString();
        // forEach, not for…of: no [key, value] array per row (a batch holds up to 20,000).
        taken.forEach(({ nodeType, result }, key) => {
          out.run(UPSERT, key, nodeType, JSON.stringify(result.outputs), result.meta ? JSON.stringify(result.meta) : null, now);
        });
      },
      restore: () => {
        settled();
        for (const [key, entry] of this.pending) taken.set(key, entry); // newer wins
        this.pending = taken;
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
    if (this.inFlight.length) return false;
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

  private remember(key: string, result: CachedResult): void {
    if (this.young.size >= this.generationSize && !this.young.has(key)) {
      this.old = this.memoryEntries > 1 ? this.young : new Map();
      this.young = new Map();
    }
    this.young.set(key, result);
  }

  /** Two generations of this size hold at most memoryEntries results. */
  private get generationSize(): number {
    return Math.max(1, Math.floor(this.memoryEntries / 2));
  }
}

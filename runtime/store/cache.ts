// Cache index: cache key → node outputs (artifact handles and plain values), persisted in SQLite
// so an unchanged flow re-runs nothing, also after a restart. One row per key (upsert); the
// in-memory part is a bounded LRU of recently used results.
import type { Db } from './db';
import type { PendingBatch, WriteBehind } from './write-behind';

export interface CachedResult {
  outputs: Record<string, unknown>;
  meta?: Record<string, unknown>;
}

export const DEFAULT_CACHE_MEMORY_ENTRIES = 20_000;

interface PendingEntry {
  nodeType: string;
  result: CachedResult;
}

export class CacheIndex {
  /** Recently used results in least- to most-recently-used order, so hot keys skip SQLite and JSON.parse. */
  private readonly recent = new Map<string, CachedResult>();
  private pending = new Map<string, PendingEntry>();
  private readonly selectByKey;
  private readonly upsert;

  constructor(
    db: Db,
    private readonly writes: WriteBehind,
    readonly memoryEntries = DEFAULT_CACHE_MEMORY_ENTRIES,
  ) {
    if (!Number.isInteger(memoryEntries) || memoryEntries < 1) throw new Error(`the cache's memory size must be a positive integer, got ${memoryEntries}`);
    this.selectByKey = db.prepare<[string], { outputs_json: string; meta_json: string | null }>('SELECT outputs_json, meta_json FROM cache WHERE key = ?');
    this.upsert = db.prepare(
      `INSERT INTO cache (key, node_type, outputs_json, meta_json, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET node_type = excluded.node_type, outputs_json = excluded.outputs_json,
         meta_json = excluded.meta_json, created_at = excluded.created_at`,
    );
    writes.addSource({ take: () => this.take() });
  }

  get(key: string): CachedResult | undefined {
    const hit = this.recent.get(key);
    if (hit) {
      this.recent.delete(key); // move to the most recently used end
      this.recent.set(key, hit);
      return hit;
    }
    const pending = this.pending.get(key);
    if (pending) return pending.result;
    const row = this.selectByKey.get(key);
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
    this.writes.schedule();
  }

  /** How many results are held in memory (bounded by memoryEntries). */
  get memorySize(): number {
    return this.recent.size;
  }

  flush(): void {
    this.writes.flush();
  }

  /** Forgets the in-memory results (gc removed rows under them). */
  forgetMemory(): void {
    this.recent.clear();
  }

  private take(): PendingBatch | undefined {
    if (this.pending.size === 0) return undefined;
    const taken = this.pending;
    this.pending = new Map();
    return {
      write: () => {
        const now = new Date().toISOString();
        for (const [key, { nodeType, result }] of taken) {
          this.upsert.run(key, nodeType, JSON.stringify(result.outputs), result.meta ? JSON.stringify(result.meta) : null, now);
        }
      },
      restore: () => {
        for (const [key, entry] of this.pending) taken.set(key, entry); // newer wins
        this.pending = taken;
      },
    };
  }

  private remember(key: string, result: CachedResult): void {
    // Evict the least recently used quarter at once: deleting one entry per insert from the front of
    // a Map makes every later keys().next() walk over the deleted slots.
    if (this.recent.size >= this.memoryEntries && !this.recent.has(key)) {
      let drop = Math.max(1, Math.floor(this.memoryEntries / 4));
      for (const old of this.recent.keys()) {
        this.recent.delete(old);
        if (--drop === 0) break;
      }
    }
    this.recent.delete(key);
    this.recent.set(key, result);
  }
}

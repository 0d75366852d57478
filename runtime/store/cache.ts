// Cache index: cache key → node outputs (artifact handles and plain values), persisted in SQLite
// so an unchanged flow re-runs nothing, also after a restart. Rows are only appended; the newest
// row of a key wins. The key → row id map is kept in memory.
import type { Db } from './db';
import { WriteBehind } from './write-behind';

export interface CachedResult {
  outputs: Record<string, unknown>;
  meta?: Record<string, unknown>;
}

const MEMORY_RESULTS = 20_000;

export class CacheIndex {
  /** Recently used results, so hot keys skip SQLite and JSON.parse. */
  private readonly recent = new Map<string, CachedResult>();
  private rowIds?: Map<string, number>;
  private readonly writes: WriteBehind;
  private readonly selectById;
  private readonly insert;

  constructor(private readonly db: Db) {
    this.writes = new WriteBehind(db);
    this.selectById = db.prepare<[number], { outputs_json: string; meta_json: string | null }>(
      'SELECT outputs_json, meta_json FROM cache WHERE id = ?',
    );
    this.insert = db.prepare('INSERT INTO cache (key, node_type, outputs_json, meta_json, created_at) VALUES (?, ?, ?, ?, ?)');
  }

  get(key: string): CachedResult | undefined {
    const hit = this.recent.get(key);
    if (hit) return hit;
    const id = this.ids().get(key);
    if (id === undefined) return undefined;
    const row = this.selectById.get(id);
    if (!row) return undefined;
    const result: CachedResult = { outputs: JSON.parse(row.outputs_json) };
    if (row.meta_json) result.meta = JSON.parse(row.meta_json);
    this.remember(key, result);
    return result;
  }

  set(key: string, nodeType: string, result: CachedResult): void {
    this.remember(key, result);
    // Serialised when the batch is written, off the engine's hot path; results are not mutated.
    this.writes.push(() => {
      const meta = result.meta ? JSON.stringify(result.meta) : null;
      const info = this.insert.run(key, nodeType, JSON.stringify(result.outputs), meta, new Date().toISOString());
      this.ids().set(key, Number(info.lastInsertRowid));
    });
  }

  flush(): void {
    this.writes.flush();
  }

  private ids(): Map<string, number> {
    if (!this.rowIds) {
      this.rowIds = new Map();
      const rows = this.db.prepare<[], { id: number; key: string }>('SELECT id, key FROM cache ORDER BY id').raw().iterate() as unknown as Iterable<[number, string]>;
      for (const [id, key] of rows) this.rowIds.set(key, id);
    }
    return this.rowIds;
  }

  private remember(key: string, result: CachedResult): void {
    // Evict the oldest quarter at once: deleting one entry per insert from the front of a Map makes
    // every later keys().next() walk over the deleted slots.
    if (this.recent.size >= MEMORY_RESULTS) {
      let drop = MEMORY_RESULTS / 4;
      for (const old of this.recent.keys()) {
        this.recent.delete(old);
        if (--drop === 0) break;
      }
    }
    this.recent.set(key, result);
  }
}

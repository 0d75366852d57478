// Cache index: cache key → node outputs (artifact handles and plain values), persisted in SQLite
// so an unchanged flow re-runs nothing, also after a restart.
import type { Db } from './db';
import { WriteBehind } from './write-behind';

export interface CachedResult {
  outputs: Record<string, unknown>;
  meta?: Record<string, unknown>;
}

const MEMORY_ENTRIES = 20_000;

export class CacheIndex {
  private readonly memory = new Map<string, CachedResult>();
  /** Every key on disk, so that a miss costs a Set lookup instead of a query. */
  private known?: Set<string>;
  private readonly writes: WriteBehind;
  private readonly select;
  private readonly upsert;

  constructor(private readonly db: Db) {
    this.writes = new WriteBehind(db);
    this.select = db.prepare<[string], { outputs_json: string; meta_json: string | null }>(
      'SELECT outputs_json, meta_json FROM cache WHERE key = ?',
    );
    this.upsert = db.prepare(
      'INSERT OR REPLACE INTO cache (key, node_type, outputs_json, meta_json, created_at) VALUES (?, ?, ?, ?, ?)',
    );
  }

  get(key: string): CachedResult | undefined {
    const hit = this.memory.get(key);
    if (hit) return hit;
    this.known ??= new Set(this.db.prepare<[], { key: string }>('SELECT key FROM cache').pluck().all() as unknown as string[]);
    if (!this.known.has(key)) return undefined;
    const row = this.select.get(key);
    if (!row) return undefined;
    const result: CachedResult = { outputs: JSON.parse(row.outputs_json) };
    if (row.meta_json) result.meta = JSON.parse(row.meta_json);
    this.remember(key, result);
    return result;
  }

  set(key: string, nodeType: string, result: CachedResult): void {
    this.remember(key, result);
    this.known?.add(key);
    const outputs = JSON.stringify(result.outputs);
    const meta = result.meta ? JSON.stringify(result.meta) : null;
    const now = new Date().toISOString();
    this.writes.push(() => this.upsert.run(key, nodeType, outputs, meta, now));
  }

  flush(): void {
    this.writes.flush();
  }

  private remember(key: string, result: CachedResult): void {
    if (this.memory.size >= MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value!);
    this.memory.set(key, result);
  }
}

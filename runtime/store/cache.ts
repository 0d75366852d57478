// Cache index: cache key → node outputs (artifact handles and plain values), persisted in SQLite
// so an unchanged flow re-runs nothing, also after a restart. One row per key (upsert); the
// in-memory part holds a bounded number of recently used results. A Bloom filter of the stored keys answers
// most misses without SQLite; rows another connection adds are read into it (PRAGMA data_version).
import { CACHE_KEY_INDEXED, cacheKeyIndexed, type Db } from './db';
import { KeyFilter, keyHash } from './key-filter';
import { keyPrefixOrder } from './key-order';
import { ResultRows, ROW_FIELDS } from './result-rows';
import { FieldRows } from './shared-values';
import { ShardedMap } from './sharded-map';
import type { SqlWrites } from './sql-writes';
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

/** Bytes of rows a generation holds at most (besides memoryEntries / 2 rows): large outputs bound memory too. */
const GENERATION_BYTES = 32 << 20;

/**
 * Results kept in memory: their rows (result-rows.ts) and an index from the key's hash to its row.
 * Two keys of one hash keep the later one: the earlier is then read from SQLite (or, unwritten, missed).
 */
class Generation {
  readonly rows = new ResultRows();
  readonly index: ShardedMap;
  /** Rows set into this generation and not yet written. */
  unwritten = 0;

  constructor(size: number) {
    this.index = new ShardedMap(size);
  }

  find(key: string, hash: number): number | undefined {
    const location = this.index.get(hash);
    return location !== undefined && this.rows.keyIs(location, key) ? location : undefined;
  }
}

/** Rows set since the last batch was taken, by the generation holding them (a key set twice is written twice: the later row wins). */
interface PendingRows {
  generation: Generation;
  locations: number[];
}

export class CacheIndex {
  /**
   * Recently used results, so hot keys skip SQLite, in two generations: results are kept in `young`;
   * when it is full it becomes `old` (the previous old is dropped whole) and a hit in `old` is copied
   * to `young`. So every result used within the last memoryEntries / 2 keeps is in memory, and keeping
   * one costs one append and one Map.set: no per-entry eviction. A result not yet written is found
   * here too: a generation dropped while it holds one is `retired` (still read, not counted) until its
   * last one is written.
   */
  private young: Generation;
  private old: Generation;
  private retired: Generation[] = [];
  /**
   * Generations let go since the last batch was taken, whose chunks are released then: the turn that
   * let one go may still read it (get copies an old hit into young, which may be what rotated it out).
   */
  private letGo: Generation[] = [];
  private pending: PendingRows[] = [];
  private pendingCount = 0;
  /** Batches the writer thread is committing (until its committed() or restore()). */
  private batchesInFlight = 0;
  private readonly selectByKey;
  private readonly db: Db;
  private readonly selectDataVersion;
  private readonly selectMaxId;
  private readonly selectKeysAfter;
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
    this.young = this.newGeneration();
    this.old = this.newGeneration();
    this.selectByKey = db.prepare<[{ key: string }], { outputs_json: string; meta_json: string | null }>(
      `SELECT outputs_json, meta_json FROM cache WHERE ${CACHE_KEY_INDEXED} = ${cacheKeyIndexed('@key')} AND key = @key`,
    );
    writes.addSource({ take: (all) => this.take(all) });
    this.db = db;
    this.selectDataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.selectMaxId = db.prepare<[], number | null>('SELECT MAX(id) FROM cache').pluck();
    // Prepared once: the writer thread's commits change data_version, so a busy server reads new keys every FOREIGN_CHECK_MS.
    this.selectKeysAfter = db.prepare<[number], [number, string]>('SELECT id, key FROM cache WHERE id > ?').raw();
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

  /** The result stored under `key`: a new object every time (parsed from its row), never one the setter holds. */
  get(key: string): CachedResult | undefined {
    // Every key in memory, pending or stored is in the filter: a fresh key (most lookups of a new
    // run) is answered by one probe instead of a miss in each generation.
    if (!this.filter.mightHave(key)) {
      if (!this.readForeignRows() || !this.filter.mightHave(key)) return undefined;
    }
    const hash = keyHash(key);
    const { young, old } = this;
    const hit = young.find(key, hash);
    if (hit !== undefined) return young.rows.result(hit);
    const older = old.find(key, hash);
    if (older !== undefined) {
      const room = this.youngWithRoom();
      room.index.set(hash, room.rows.addCopy(old.rows, older));
      return old.rows.result(older);
    }
    for (let i = this.retired.length - 1; i >= 0; i--) {
      const generation = this.retired[i];
      const unwritten = generation.find(key, hash);
      if (unwritten !== undefined) return generation.rows.result(unwritten);
    }
    const row = this.selectByKey.get({ key });
    if (!row) return undefined;
    const result: CachedResult = { outputs: JSON.parse(row.outputs_json) };
    if (row.meta_json) result.meta = JSON.parse(row.meta_json);
    const room = this.youngWithRoom();
    room.index.set(hash, room.rows.add(key, '', row.outputs_json, row.meta_json ?? undefined, false));
    return result;
  }

  /** Keeps the result (as its row's text: later changes to the objects given are not seen) and writes it with the next batch. */
  set(key: string, nodeType: string, result: CachedResult): void {
    const outputs = JSON.stringify(result.outputs);
    const meta = result.meta ? JSON.stringify(result.meta) : undefined;
    this.filter.add(key);
    const young = this.youngWithRoom();
    const location = young.rows.add(key, nodeType, outputs, meta, true);
    young.index.set(keyHash(key), location);
    young.unwritten++;
    let last = this.pending[this.pending.length - 1];
    if (last?.generation !== young) this.pending.push((last = { generation: young, locations: [] }));
    last.locations.push(location);
    this.pendingCount++;
    this.writes.schedule();
  }

  /** How many results are held in memory (bounded by memoryEntries), besides dropped ones not yet written. */
  get memorySize(): number {
    return this.young.index.size + this.old.index.size;
  }

  flush(): void {
    this.writes.flush();
  }

  /** Forgets the in-memory results (gc removed rows under them), except those not yet written. */
  forgetMemory(): void {
    for (const generation of [this.young, this.old, ...this.retired]) {
      for (const [hash, location] of generation.index.entries()) if (!generation.rows.isUnwritten(location)) generation.index.delete(hash);
    }
    for (const generation of [this.young, this.old]) if (generation.unwritten === 0) this.letGo.push(generation);
    this.retired = [this.young, this.old, ...this.retired].filter((generation) => generation.unwritten > 0);
    this.young = this.newGeneration();
    this.old = this.newGeneration();
  }

  private take(all: boolean): PendingBatch | undefined {
    for (const generation of this.letGo.splice(0)) generation.rows.release();
    if (this.pendingCount === 0) return undefined;
    const wait = CACHE_WRITE_INTERVAL_MS - (performance.now() - this.lastWrite);
    if (!all && wait > 0 && this.pendingCount < CACHE_WRITE_MAX_PENDING) {
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
    const takenCount = this.pendingCount;
    this.pending = [];
    this.pendingCount = 0;
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
      write: (out) => writeRows(out, taken, takenCount),
      restore: () => {
        settled();
        this.pending = taken.concat(this.pending); // in order: the newer row of a key wins
        this.pendingCount += takenCount;
      },
    };
  }

  /** Adds stored keys with a row id above `afterId` to the filter. */
  private readKeys(afterId: number): void {
    for (const [id, key] of this.selectKeysAfter.iterate(afterId)) {
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

  /** `young`, or a new one when it is full: it becomes `old`; the old one is dropped, or retired while it holds an unwritten result. */
  private youngWithRoom(): Generation {
    const { young } = this;
    if (young.rows.count < this.generationSize && young.rows.bytes < GENERATION_BYTES && !young.rows.full) return young;
    const dropped = this.memoryEntries > 1 ? this.old : young;
    if (this.memoryEntries > 1) this.old = young;
    this.young = this.newGeneration();
    if (dropped.unwritten > 0) this.retired.push(dropped);
    else this.letGo.push(dropped);
    return this.young;
  }

  /** The batch's results are in SQLite: generations retired only for them are let go. */
  private written(batch: PendingRows[]): void {
    for (const { generation, locations } of batch) {
      for (const location of locations) if (generation.rows.markWritten(location)) generation.unwritten--;
    }
    for (const generation of this.retired) if (generation.unwritten === 0) this.letGo.push(generation);
    if (this.retired.length) this.retired = this.retired.filter((generation) => generation.unwritten > 0);
  }

  private newGeneration(): Generation {
    return new Generation(this.generationSize);
  }

  /** Two generations of this size hold at most memoryEntries results. */
  private get generationSize(): number {
    return Math.max(1, Math.floor(this.memoryEntries / 2));
  }
}

/** Writes the batch's rows in the key index's order (key-order.ts), their text copied from memory as it is. */
function writeRows(out: SqlWrites, batch: PendingRows[], count: number): void {
  const generations = new Array<Generation>(count);
  const locations = new Array<number>(count);
  let n = 0;
  for (const { generation, locations: rows } of batch) {
    for (const location of rows) {
      generations[n] = generation;
      locations[n++] = location;
    }
  }
  const rows = new FieldRows(ROW_FIELDS, count);
  for (const i of keyPrefixOrder(count, (row, position) => generations[row].rows.keyByte(locations[row], position))) generations[i].rows.addFieldsTo(rows, locations[i]);
  out.runRows(UPSERT, rows, new Date().toISOString());
}

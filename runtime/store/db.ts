// One SQLite file (WAL) for runs, events, the cache index, artifacts and the gallery.
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ensureFolder, kindOf } from './plain-file';

export type Db = Database.Database;

export const PAGE_SIZE = 16_384;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS artifacts (
  hash TEXT PRIMARY KEY, media_type TEXT NOT NULL, width INTEGER, height INTEGER,
  bytes INTEGER NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, flow_id TEXT, status TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT, flow_json TEXT NOT NULL, record_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at);
-- Events are stored in batches (one row per run per write transaction): first_seq..last_seq, a JSON array.
CREATE TABLE IF NOT EXISTS events (
  run_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY (run_id, first_seq)
) WITHOUT ROWID;
-- One row per cache key (upserted; unique on the key's first 64 bits, see CACHE_KEY_INDEXED). created_at is
-- when the result was last written: gc drops rows older than the retention window.
CREATE TABLE IF NOT EXISTS cache (
  id INTEGER PRIMARY KEY, key TEXT NOT NULL, node_type TEXT NOT NULL, outputs_json TEXT NOT NULL,
  meta_json TEXT, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gallery (
  id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL, file_name TEXT NOT NULL,
  prompt TEXT, provider TEXT, model TEXT, text TEXT, parent TEXT, run_id TEXT, node_id TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS gallery_hash ON gallery(hash);
CREATE INDEX IF NOT EXISTS gallery_parent ON gallery(parent);
`;

export function openDb(file: string): Db {
  if (file !== ':memory:') {
    ensureFolder(dirname(file), 'the data dir (--data DIR or ATELIER_DATA)');
    for (const path of [file, `${file}-wal`, `${file}-shm`]) refuseNonFile(path);
  }
  const db = new Database(file, { nativeBinding: releaseAddon() });
  try {
    // Set before the first table exists (a no-op on an existing file). A commit writes each dirty page
    // to the WAL with its own write call: a run's rows (flow, record, events: a few KB) fill one 16 KiB
    // page instead of two or three 4 KiB ones, which cut commit time per run by ~15% in bench/engine.
    db.pragma(`page_size = ${PAGE_SIZE}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536'); // 64 MiB page cache
    db.exec(SCHEMA);
    migrateCacheToOneRowPerKey(db);
  } catch (error) {
    db.close();
    throw damaged(file, error);
  }
  return db;
}

/**
 * A directory or FIFO where the database or its WAL files belong: SQLite answers only "unable to open
 * database file" or "disk I/O error", naming neither the path nor what is wrong with it.
 */
function refuseNonFile(path: string): void {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return; // absent (SQLite creates it), or unreadable: SQLite's own error says so
  }
  if (stats.isFile()) return;
  throw new Error(`${path} is not a database file (it is ${kindOf(stats)}); move it out of the data dir, or point ATELIER_DATA/--data elsewhere`);
}

/** A file that is not a database, or a damaged one, named with what to do; other errors as they are. */
function damaged(file: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') return error;
  const reason = code === 'SQLITE_NOTADB' ? 'is not a SQLite database' : 'is damaged';
  return Object.assign(new Error(`${file} ${reason} (${(error as Error).message}); move it (with any -wal and -shm file beside it) out of the data dir to start with an empty one, or point ATELIER_DATA/--data elsewhere`, { cause: error }), { code });
}

/**
 * The addon where npm's install builds it. Without a path, better-sqlite3's `bindings` package finds it
 * by trying one require() after another (~5 ms of every start); a build elsewhere (Debug) is still found that way.
 */
function releaseAddon(): string | undefined {
  const root = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
  const addon = join(root, 'build', 'Release', 'better_sqlite3.node');
  return existsSync(addon) ? addon : undefined;
}

/**
 * The cache's unique index is on the key's first 64 bits (its first 16 hex digits as 8 bytes), not the
 * whole key. Keys are SHA-256 hex, random: every batch of rows dirties index pages all over, and a
 * 64-character entry made the index, and the pages each batch and checkpoint write, about three times
 * larger; 20 characters of it (until 2026-12) still twice as large as 8 bytes, and an upsert into
 * 500,000 rows cost ~20% more (measured: 6.5–8.5 µs a row against 5.6–5.7). A key that is not hex
 * (none the engine makes) is indexed whole. A lookup still compares the whole key, so two keys
 * sharing their first 64 bits cost a miss, never a wrong result. Queries must use the same expression.
 */
export const CACHE_KEY_HEX_DIGITS = 16;
export const cacheKeyIndexed = (key: string): string => `coalesce(unhex(substr(${key}, 1, ${CACHE_KEY_HEX_DIGITS})), ${key})`;
export const CACHE_KEY_INDEXED = cacheKeyIndexed('key');
const CACHE_KEY_INDEX = 'cache_key_bits';
/** Indexes of older versions: on the whole key, then on its first 20 characters. */
const OLDER_CACHE_KEY_INDEXES = ['cache_key', 'cache_key_prefix'];

/**
 * Databases from before the upsert kept every write of a key; then the index was on the whole key,
 * then on its first 20 characters. The newest row of a key (then of its first 64 bits) wins.
 */
function migrateCacheToOneRowPerKey(db: Db): void {
  // An older Atelier that opened the file since re-created its own index: that one goes again.
  const indexes = () => db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cache'").pluck().all();
  const migrated = () => {
    const names = indexes();
    return names.includes(CACHE_KEY_INDEX) && !OLDER_CACHE_KEY_INDEXES.some((older) => names.includes(older));
  };
  if (migrated()) return;
  // IMMEDIATE: a second process opening the same file at this moment waits, then finds it done.
  db.transaction(() => {
    if (migrated()) return;
    db.exec(`DELETE FROM cache WHERE id NOT IN (SELECT MAX(id) FROM cache GROUP BY ${CACHE_KEY_INDEXED})`);
    db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${CACHE_KEY_INDEX} ON cache(${CACHE_KEY_INDEXED})`);
    for (const older of OLDER_CACHE_KEY_INDEXES) db.exec(`DROP INDEX IF EXISTS ${older}`);
  }).immediate();
}

// The data directory (ATELIER_DATA): artifacts/, gallery/, thumbnails/ and atelier.db.
import { join, resolve } from 'node:path';
import { ArtifactStore } from './artifacts';
import { CacheIndex } from './cache';
import { startCheckpointer } from './checkpointer';
import { openDb, type Db } from './db';
import { GalleryStore } from './gallery';
import { runOrigins } from './run-origins';
import { RunStore } from './runs';
import { Thumbnails } from './thumbnails';
import { WriteBehind } from './write-behind';

export interface Store {
  dataDir: string;
  db: Db;
  artifacts: ArtifactStore;
  gallery: GalleryStore;
  thumbnails: Thumbnails;
  runs: RunStore;
  cache: CacheIndex;
  /** The batched writer behind runs and cache: its failures are StoreUnavailable, never thrown from a timer. */
  writes: WriteBehind;
  close(): void;
}

export interface StoreOptions {
  /** Cache results kept in memory (recently used, in two generations); default 20,000 (ATELIER_CACHE_MEMORY_ENTRIES). */
  cacheMemoryEntries?: number;
  /** Where artifacts live (ATELIER_ARTIFACTS_DIR: a directory every queue worker reaches); default <dataDir>/artifacts. */
  artifactsDir?: string;
  /** Commit batches on a writer thread (default); false commits them on the main connection. */
  writerThread?: boolean;
}

/** The main connection's per-connection settings, for the writer thread's connection. */
function connectionPragmas(db: Db): string[] {
  return ['synchronous', 'busy_timeout', 'cache_size', 'wal_autocheckpoint'].map((name) => `${name} = ${String(db.pragma(name, { simple: true }))}`);
}

export function openStore(dataDir: string, options: StoreOptions = {}): Store {
  const dir = resolve(dataDir);
  const file = join(dir, 'atelier.db');
  const db = openDb(file);
  // Checkpoints run on a worker thread; commits checkpoint themselves only when the WAL passes ~40 MB.
  db.pragma('wal_autocheckpoint = 10000');
  const log = (message: string) => console.error(`[atelier] ${message}`);
  const checkpointer = startCheckpointer(file, log);
  const artifacts = new ArtifactStore(db, options.artifactsDir ? resolve(options.artifactsDir) : join(dir, 'artifacts'));
  const writes = new WriteBehind(db, { thread: options.writerThread === false ? undefined : { file, pragmas: connectionPragmas(db) }, log });
  const runs = new RunStore(db, writes);
  const cache = new CacheIndex(db, writes, options.cacheMemoryEntries);
  runOrigins(db, writes); // a run's origin is committed with the run, in one transaction
  return {
    dataDir: dir,
    db,
    artifacts,
    gallery: new GalleryStore(db, artifacts, join(dir, 'gallery')),
    thumbnails: new Thumbnails(artifacts, join(dir, 'thumbnails')),
    runs,
    cache,
    writes,
    close() {
      checkpointer.stop();
      try {
        writes.flush();
      } finally {
        writes.stop();
        db.close();
      }
    },
  };
}

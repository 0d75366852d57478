// The data directory (ATELIER_DATA): artifacts/, gallery/, thumbnails/ and atelier.db.
import { join, resolve } from 'node:path';
import { ArtifactStore } from './artifacts';
import { CacheIndex } from './cache';
import { openDb, type Db } from './db';
import { GalleryStore } from './gallery';
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
  /** Cache results kept in memory (LRU); default 20,000 (ATELIER_CACHE_MEMORY_ENTRIES). */
  cacheMemoryEntries?: number;
  /** Where artifacts live (ATELIER_ARTIFACTS_DIR: a directory every queue worker reaches); default <dataDir>/artifacts. */
  artifactsDir?: string;
}

export function openStore(dataDir: string, options: StoreOptions = {}): Store {
  const dir = resolve(dataDir);
  const db = openDb(join(dir, 'atelier.db'));
  const artifacts = new ArtifactStore(db, options.artifactsDir ? resolve(options.artifactsDir) : join(dir, 'artifacts'));
  const writes = new WriteBehind(db);
  const runs = new RunStore(db, writes);
  const cache = new CacheIndex(db, writes, options.cacheMemoryEntries);
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
      try {
        writes.flush();
      } finally {
        db.close();
      }
    },
  };
}

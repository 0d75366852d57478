// The data directory (ATELIER_DATA): artifacts/, gallery/, thumbnails/ and atelier.db.
import { join, resolve } from 'node:path';
import { ArtifactStore } from './artifacts';
import { CacheIndex } from './cache';
import { openDb, type Db } from './db';
import { GalleryStore } from './gallery';
import { RunStore } from './runs';
import { Thumbnails } from './thumbnails';

export interface Store {
  dataDir: string;
  db: Db;
  artifacts: ArtifactStore;
  gallery: GalleryStore;
  thumbnails: Thumbnails;
  runs: RunStore;
  cache: CacheIndex;
  close(): void;
}

export function openStore(dataDir: string, options: { artifactsDir?: string } = {}): Store {
  const dir = resolve(dataDir);
  const db = openDb(join(dir, 'atelier.db'));
  const artifacts = new ArtifactStore(db, options.artifactsDir ? resolve(options.artifactsDir) : join(dir, 'artifacts'));
  const runs = new RunStore(db);
  const cache = new CacheIndex(db);
  return {
    dataDir: dir,
    db,
    artifacts,
    gallery: new GalleryStore(db, artifacts, join(dir, 'gallery')),
    thumbnails: new Thumbnails(artifacts, join(dir, 'thumbnails')),
    runs,
    cache,
    close() {
      runs.flush();
      cache.flush();
      db.close();
    },
  };
}

// Thumbnails are made on first request and kept beside the artifacts. A few at a time, each decoded
// from its file (never read whole into memory), and one per artifact however many ask at once: a
// gallery of large images asked for all at once held every image in memory (1.6 GB for 16 of 27 MB).
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSharp } from '../../nodes/load-sharp';
import { Limiter } from '../engine/limiter';
import type { ArtifactStore } from './artifacts';
import { writeFileAtomic } from './atomic-write';

export const THUMBNAIL_SIZE = 256;

export class Thumbnails {
  private readonly making = new Map<string, Promise<Buffer>>();
  private readonly limiter = new Limiter(Math.max(1, availableParallelism()));

  constructor(
    private readonly artifacts: ArtifactStore,
    readonly dir: string,
    private readonly log: (message: string) => void = (message) => console.error(`[atelier] ${message}`),
  ) {
    mkdirSync(dir, { recursive: true });
  }

  async get(hash: string): Promise<Buffer> {
    const path = join(this.dir, `${hash}.webp`);
    if (existsSync(path)) return readFile(path);
    let made = this.making.get(hash);
    if (!made) {
      made = this.make(hash, path).finally(() => this.making.delete(hash));
      this.making.set(hash, made);
    }
    return made;
  }

  private async make(hash: string, path: string): Promise<Buffer> {
    await this.limiter.acquire();
    try {
      const thumb = await (await loadSharp())(this.artifacts.pathOf(hash), { sequentialRead: true })
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      try {
        writeFileAtomic(path, thumb);
      } catch (error) {
        // A full disk: the thumbnail is still answered, and made again next time.
        this.log(`the thumbnail of ${hash} could not be kept: ${(error as Error).message}`);
      }
      return thumb;
    } finally {
      this.limiter.release();
    }
  }
}

// Thumbnails are made on first request and kept beside the artifacts.
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSharp } from '../../nodes/load-sharp';
import type { ArtifactStore } from './artifacts';
import { writeFileAtomic } from './atomic-write';

export const THUMBNAIL_SIZE = 256;

export class Thumbnails {
  constructor(
    private readonly artifacts: ArtifactStore,
    readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  async get(hash: string): Promise<Buffer> {
    const path = join(this.dir, `${hash}.webp`);
    if (existsSync(path)) return readFile(path);
    const source = await this.artifacts.read(hash);
    const thumb = await (await loadSharp())(source)
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    writeFileAtomic(path, thumb);
    return thumb;
  }
}

// Content-addressed artifacts: artifacts/<first two hex>/<sha256>, bytes exactly as produced.
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSharp } from '../../nodes/load-sharp';
import type { Artifact, ArtifactStoreApi } from '../../nodes/api';
import { writeFileDurable } from './atomic-write';
import type { Db } from './db';
import { asStoreError } from './errors';
import { sha256Hex } from '../../model/sha256-hex';
import { isImageMediaType, sniffMediaType } from './sniff';

export const HASH_PATTERN = /^[0-9a-f]{64}$/;

interface ArtifactRow {
  hash: string;
  media_type: string;
  width: number | null;
  height: number | null;
}

export class ArtifactStore implements ArtifactStoreApi {
  private readonly selectRow;
  private readonly insertRow;
  private readonly renewRow;

  constructor(
    private readonly db: Db,
    readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.selectRow = db.prepare<[string], ArtifactRow>(
      'SELECT hash, media_type, width, height FROM artifacts WHERE hash = ?',
    );
    this.insertRow = db.prepare(
      // A row whose file had gone (removed by hand) is renewed with it, as a known artifact stored again is.
      'INSERT INTO artifacts (hash, media_type, width, height, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(hash) DO UPDATE SET created_at = excluded.created_at',
    );
    this.renewRow = db.prepare('UPDATE artifacts SET created_at = ? WHERE hash = ?');
  }

  async put(bytes: Uint8Array, hint?: { mediaType?: string }): Promise<Artifact> {
    const hash = await sha256Hex(bytes);
    const known = this.get(hash);
    if (known && existsSync(this.pathOf(hash))) {
      // Stored again, so about to be named (a node's output, an upload): gc takes created_at as the
      // artifact's age, and an old unreferenced one would otherwise go before anything names it.
      try {
        this.renewRow.run(new Date().toISOString(), hash);
      } catch (error) {
        throw asStoreError(error);
      }
      return known;
    }
    const mediaType = sniffMediaType(bytes) ?? hint?.mediaType ?? 'application/octet-stream';
    let width: number | null = null;
    let height: number | null = null;
    if (isImageMediaType(mediaType)) {
      const meta = await (await loadSharp())(bytes).metadata().catch((error: Error) => {
        throw new Error(`the image bytes cannot be decoded (${mediaType}): ${error.message}`);
      });
      width = meta.width ?? null;
      height = meta.height ?? null;
    }
    try {
      mkdirSync(join(this.dir, hash.slice(0, 2)), { recursive: true });
      // In libuv's threads: a large output's write and fsync held the event loop (50 MB: ~100 ms).
      await writeFileDurable(this.pathOf(hash), bytes);
      this.insertRow.run(hash, mediaType, width, height, bytes.byteLength, new Date().toISOString());
    } catch (error) {
      throw asStoreError(error); // a full disk says store_unavailable, naming ENOSPC or SQLITE_FULL
    }
    return toHandle({ hash, media_type: mediaType, width, height });
  }

  get(hash: string): Artifact | undefined {
    if (!HASH_PATTERN.test(hash)) return undefined;
    const row = this.selectRow.get(hash);
    return row ? toHandle(row) : undefined;
  }

  exists(hash: string): boolean {
    return HASH_PATTERN.test(hash) && existsSync(this.pathOf(hash));
  }

  async read(artifact: Artifact | string): Promise<Buffer> {
    const hash = typeof artifact === 'string' ? artifact : artifact.artifact;
    if (!HASH_PATTERN.test(hash)) throw new Error(`not an artifact hash: ${JSON.stringify(hash).slice(0, 80)}`);
    return readFile(this.pathOf(hash));
  }

  /** Only ever called with a validated hash, so the path cannot leave the data dir. */
  pathOf(hash: string): string {
    if (!HASH_PATTERN.test(hash)) throw new Error('not an artifact hash');
    return join(this.dir, hash.slice(0, 2), hash);
  }
}

function toHandle(row: ArtifactRow): Artifact {
  const handle: Artifact = { artifact: row.hash, url: `/api/artifacts/${row.hash}`, mediaType: row.media_type };
  if (row.width != null) handle.width = row.width;
  if (row.height != null) handle.height = row.height;
  return handle;
}

// Artifacts in a directory every process reaches (ATELIER_ARTIFACTS_DIR: a volume, an NFS/EFS
// mount). Bytes at <dir>/<2 hex>/<sha256>, exactly as produced, with the handle beside them in
// <sha256>.json, so a process that did not write an artifact can still describe it without a database.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSharp } from '../../nodes/load-sharp';
import type { Artifact, ArtifactStoreApi } from '../../nodes/api';
import { writeFileAtomic, writeFileDurable } from '../store/atomic-write';
import { sha256Hex } from '../../model/sha256-hex';
import { isImageMediaType, sniffMediaType } from '../store/sniff';

const HASH = /^[0-9a-f]{64}$/;

/** What a worker needs from shared artifact storage; an S3 backend implements the same. */
export interface SharedArtifactStore extends ArtifactStoreApi {
  exists(hash: string): boolean;
}

export class DirArtifacts implements SharedArtifactStore {
  private readonly handles = new Map<string, Artifact>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async put(bytes: Uint8Array, hint?: { mediaType?: string }): Promise<Artifact> {
    const hash = await sha256Hex(bytes);
    const known = this.get(hash);
    if (known && this.exists(hash)) return known;
    const mediaType = sniffMediaType(bytes) ?? hint?.mediaType ?? 'application/octet-stream';
    const handle: Artifact = { artifact: hash, url: `/api/artifacts/${hash}`, mediaType };
    if (isImageMediaType(mediaType)) {
      const meta = await (await loadSharp())(bytes).metadata().catch((error: Error) => {
        throw new Error(`the image bytes cannot be decoded (${mediaType}): ${error.message}`);
      });
      if (meta.width) handle.width = meta.width;
      if (meta.height) handle.height = meta.height;
    }
    mkdirSync(join(this.dir, hash.slice(0, 2)), { recursive: true });
    // Bytes first, so a handle on disk always has its bytes; returned once both are durable.
    await writeFileDurable(this.pathOf(hash), bytes);
    await writeSidecarDurable(this.dir, handle);
    this.handles.set(hash, handle);
    return handle;
  }

  get(hash: string): Artifact | undefined {
    if (!HASH.test(hash)) return undefined;
    const cached = this.handles.get(hash);
    if (cached) return cached;
    let handle: Artifact;
    try {
      handle = JSON.parse(readFileSync(`${this.pathOf(hash)}.json`, 'utf8')) as Artifact;
    } catch {
      return undefined;
    }
    this.handles.set(hash, handle);
    return handle;
  }

  exists(hash: string): boolean {
    return HASH.test(hash) && existsSync(this.pathOf(hash));
  }

  async read(artifact: Artifact | string): Promise<Buffer> {
    const hash = typeof artifact === 'string' ? artifact : artifact.artifact;
    if (!HASH.test(hash)) throw new Error(`not an artifact hash: ${JSON.stringify(hash).slice(0, 80)}`);
    return readFile(this.pathOf(hash));
  }

  pathOf(hash: string): string {
    if (!HASH.test(hash)) throw new Error('not an artifact hash');
    return join(this.dir, hash.slice(0, 2), hash);
  }
}

/** The handle beside the bytes: written by every process that stores an artifact in queue mode. */
export function writeSidecar(dir: string, handle: Artifact): void {
  const file = sidecarPath(dir, handle.artifact);
  if (!existsSync(file)) writeFileAtomic(file, Buffer.from(JSON.stringify(handle)));
}

async function writeSidecarDurable(dir: string, handle: Artifact): Promise<void> {
  const file = sidecarPath(dir, handle.artifact);
  if (!existsSync(file)) await writeFileDurable(file, Buffer.from(JSON.stringify(handle)));
}

function sidecarPath(dir: string, hash: string): string {
  return join(dir, hash.slice(0, 2), `${hash}.json`);
}

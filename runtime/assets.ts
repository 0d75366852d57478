// Sample files shipped under flows/assets/: names only, and the file's real path (symlinks
// resolved) must lie inside that folder, so a flow cannot read anything else on the disk.
import type { BigIntStats } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { NodeInputError, type AssetFiles } from '../nodes/api';
import { sha256Hex } from '../model/sha256-hex';

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const MAX_ASSET_BYTES = 64 * 1024 * 1024;
/** Files whose hash is remembered (by path, size, mtime and inode); the oldest is forgotten first. */
const REMEMBERED_HASHES = 1024;
/**
 * A file changed this recently is hashed again next time: a file's mtime moves in ticks of a few ms,
 * so a second same-size write within one tick would look unchanged (git's "racily clean" entries).
 */
const SETTLED_MS = 2_000;

export async function readAsset(assetsDir: string, name: string): Promise<Buffer> {
  return readFile((await assetFile(assetsDir, name)).path);
}

/** The sample files of one folder, for node contexts: each file's hash is computed again only when it changed. */
export function assetFiles(assetsDir: string): AssetFiles {
  const hashes = new Map<string, { version: string; sha256: string }>();
  return {
    read: (name) => readAsset(assetsDir, name),
    async sha256(name) {
      const { path, info } = await assetFile(assetsDir, name);
      const version = `${info.size}:${info.mtimeNs}:${info.ino}`;
      const known = hashes.get(path);
      if (known?.version === version) return known.sha256;
      const sha256 = await sha256Hex(await readFile(path));
      hashes.delete(path); // remembered again as the newest, unless the file is still settling
      if (Date.now() - Number(info.mtimeMs) >= SETTLED_MS) {
        if (hashes.size >= REMEMBERED_HASHES) hashes.delete(hashes.keys().next().value!);
        hashes.set(path, { version, sha256 });
      }
      return sha256;
    },
  };
}

async function assetFile(assetsDir: string, name: string): Promise<{ path: string; info: BigIntStats }> {
  if (!ASSET_NAME.test(name) || name.includes('..')) {
    throw new NodeInputError(`asset must be a file name under flows/assets/, got ${JSON.stringify(name.slice(0, 200))}`, 'asset');
  }
  let real: string;
  let root: string;
  try {
    root = await realpath(assetsDir);
    real = await realpath(join(assetsDir, name));
  } catch {
    throw new NodeInputError(`asset "${name}" does not exist in flows/assets/`, 'asset');
  }
  if (!real.startsWith(root + sep)) {
    throw new NodeInputError(`asset "${name}" links outside flows/assets/; only files inside that folder can be loaded`, 'asset');
  }
  const info = await stat(real, { bigint: true });
  if (!info.isFile()) throw new NodeInputError(`asset "${name}" is not a file`, 'asset');
  if (info.size > MAX_ASSET_BYTES) throw new NodeInputError(`asset "${name}" is larger than ${MAX_ASSET_BYTES / 1024 / 1024} MiB`, 'asset');
  return { path: real, info };
}

// Sample files shipped under flows/assets/: names only, and the file's real path (symlinks
// resolved) must lie inside that folder, so a flow cannot read anything else on the disk.
import { readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { NodeInputError } from '../nodes/api';

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const MAX_ASSET_BYTES = 64 * 1024 * 1024;

export async function readAsset(assetsDir: string, name: string): Promise<Buffer> {
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
  const info = await stat(real);
  if (!info.isFile()) throw new NodeInputError(`asset "${name}" is not a file`, 'asset');
  if (info.size > MAX_ASSET_BYTES) throw new NodeInputError(`asset "${name}" is larger than ${MAX_ASSET_BYTES / 1024 / 1024} MiB`, 'asset');
  return readFile(real);
}
